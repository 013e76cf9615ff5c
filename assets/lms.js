// Browser-side helpers. Sign-in forms post with fetch to the app's /auth routes, which set
// an HttpOnly cookie that page scripts cannot read; a full navigation follows so the new
// WebSocket carries it.
(function () {
  "use strict";

  function safeNext(value) {
    // Only same-site paths: never "//host" or "https://host".
    return typeof value === "string" && value.startsWith("/") && !value.startsWith("//") ? value : null;
  }

  async function postJson(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body || {}),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return { ok: response.ok, status: response.status, data: data };
  }

  function showMessage(form, text, kind) {
    const box = form.querySelector("[data-lms-message]");
    if (!box) return;
    box.textContent = text || "";
    box.dataset.kind = kind || "error";
    box.style.display = text ? "block" : "none";
  }

  document.addEventListener("submit", async function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.lmsPost) return;
    // Capture phase on the document: runs before React's own submit handling.
    event.preventDefault();
    event.stopImmediatePropagation();
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    showMessage(form, "", "error");
    const body = Object.fromEntries(new FormData(form).entries());
    if ("remember_device" in body) body.remember_device = true;
    if (form.dataset.lmsTokenFromPath !== undefined) {
      body.token = decodeURIComponent(location.pathname.replace(/\/+$/, "").split("/").pop());
    }
    const params = new URLSearchParams(location.search);
    body.next = safeNext(params.get("next")) || undefined;
    try {
      const result = await postJson(form.dataset.lmsPost, body);
      if (result.ok && result.data.two_factor) {
        // The password was right; the account also wants a code: swap in the code form.
        const codeForm = document.querySelector("form[data-lms-two-factor]");
        codeForm.querySelector("input[name=ticket]").value = result.data.ticket;
        form.style.display = "none";
        codeForm.style.display = "flex";
        codeForm.querySelector("input[name=code]").focus();
        return;
      }
      if (result.ok) {
        if (result.data.message) showMessage(form, result.data.message, "success");
        const target = safeNext(result.data.redirect);
        if (target) { location.assign(target); return; }
      } else {
        showMessage(form, result.data.detail || "Something went wrong. Please try again.", "error");
      }
    } catch (e) {
      showMessage(form, "The server could not be reached. Check your connection and try again.", "error");
    }
    if (button) button.disabled = false;
  }, true);

  window.lmsLogout = async function () {
    try { await postJson("/auth/logout", {}); } finally { location.assign("/login"); }
  };

  // "Sign in as": the route swaps the sign-in cookie (the admin's own is kept aside); a refusal
  // is shown in the page's [data-lms-impersonate-message] box.
  window.lmsSignInAs = async function (userId) {
    const box = document.querySelector("[data-lms-impersonate-message]");
    try {
      const result = await postJson("/auth/impersonate/" + encodeURIComponent(userId), {});
      const target = result.ok && safeNext(result.data.redirect);
      if (target) { location.assign(target); return; }
      if (box) { box.textContent = result.data.detail || "Something went wrong. Please try again."; box.style.display = "block"; }
    } catch (e) {
      if (box) { box.textContent = "The server could not be reached. Check your connection and try again."; box.style.display = "block"; }
    }
  };

  window.lmsStopImpersonation = async function () {
    let target = null;
    try { target = safeNext((await postJson("/auth/impersonate/stop", {})).data.redirect); } finally { location.assign(target || "/"); }
  };
})();

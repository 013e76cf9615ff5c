"""Area "certificates": issuing 1,000 certificate PDFs, in-process on a fresh SQLite database
(migrated, demo people, one course).

- issue_pdf: per certificate, `certificates.issue()` (code, snapshot, expiry, audit event;
  committed every 100) then `certificates.render_pdf()` (the template, the QR code, the PDF
  bytes); the 1,000 as PDFs per second too. Beside the same count of minimal one-line fpdf2
  PDFs rendered in the same run: what any PDF costs with this library on this machine.
- render_pdf: rendering alone (the download route's work), for the same 1,000 certificates.
- render_pdf_unicode: rendering a certificate whose learner's name is outside the PDF core
  fonts (set in the Noto fonts, embedded), over 20 certificates: the rare slow path.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import base_env, info, report, run_cli

AREA = "certificates"
COUNT = 1_000
UNICODE_COUNT = 20
COMMIT_EVERY = 100


def _minimal_pdfs(count: int) -> float:
    from fpdf import FPDF

    started = time.perf_counter()
    for _ in range(count):
        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(text="Certificate")
        bytes(pdf.output())
    return time.perf_counter() - started


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-certificates-") as tmp:
        data = Path(tmp) / "lms-data"
        env = base_env(LMS_DATA_DIR=str(data), LMS_JOBS="off")
        run_cli(env, "migrate")
        run_cli(env, "seed", "--demo")
        _measure(f"sqlite:///{data / 'lms.db'}")


def _measure(url: str) -> None:
    from sqlmodel import Session, select

    from lms_app import db
    from lms_app.models import User
    from lms_app.services import certificates, courses
    from lms_app.services.permissions import actor_for

    engine = db.make_engine(url)
    with Session(engine) as session:
        irene = actor_for(session, session.exec(select(User).where(User.email == "irene@example.com")).one())
        course = courses.create_course(session, irene, "Safe lifting at work")
        people = list(session.exec(select(User).where(User.email.not_like("%admin%"))).all())
        session.commit()
        certificates.render_pdf(session, certificates.issue(session, user_id=people[0].id, course_id=course.id, valid_months=24))
        session.rollback()  # warm-up (imports, template) not counted

        issued, sizes = [], 0
        started = time.perf_counter()
        for n in range(COUNT):
            certificate = certificates.issue(session, user_id=people[n % len(people)].id, course_id=course.id, valid_months=24)
            sizes += len(certificates.render_pdf(session, certificate))
            issued.append(certificate)
            if (n + 1) % COMMIT_EVERY == 0:
                session.commit()
        session.commit()
        issue_seconds = time.perf_counter() - started

        started = time.perf_counter()
        for certificate in issued:
            certificates.render_pdf(session, certificate)
        render_seconds = time.perf_counter() - started

        unicode_person = people[1]
        unicode_person.name = "Łukasz Żółć-Ξένια"
        session.add(unicode_person)
        session.flush()
        unusual = [certificates.issue(session, user_id=unicode_person.id, course_id=course.id) for _ in range(UNICODE_COUNT)]
        started = time.perf_counter()
        for certificate in unusual:
            certificates.render_pdf(session, certificate)
        unicode_seconds = time.perf_counter() - started
        session.rollback()

    minimal_seconds = _minimal_pdfs(COUNT)
    info(AREA, f"{COUNT:,} certificates issued and rendered, {sizes / COUNT / 1024:.1f} KiB per PDF on average")
    baseline_ms = minimal_seconds * 1000 / COUNT
    report(AREA, "issue_pdf", issue_seconds * 1000 / COUNT, "ms per certificate", baseline_ms, "ms per minimal fpdf2 PDF",
           note=f"issue() + render_pdf() for {COUNT:,} certificates, committed every {COMMIT_EVERY}")
    report(AREA, "issue_pdf_rate", COUNT / issue_seconds, "PDFs/s", COUNT / minimal_seconds, "minimal fpdf2 PDFs/s")
    report(AREA, "render_pdf", render_seconds * 1000 / COUNT, "ms per certificate", baseline_ms, "ms per minimal fpdf2 PDF",
           note="render_pdf() alone: what the download route does")
    report(AREA, "render_pdf_unicode", unicode_seconds * 1000 / UNICODE_COUNT, "ms per certificate", baseline_ms, "ms per minimal fpdf2 PDF",
           note=f"a learner's name outside the PDF core fonts: set in embedded Noto fonts ({UNICODE_COUNT} certificates)")

from lms_app.services import auth, audit
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.services.errors import Invalid
import pytest


def test_login_and_resolve(demo, session):
    result = auth.login(session, "leo@example.com", DEMO_PASSWORD, ip="1.2.3.4")
    session.commit()
    actor = auth.resolve(session, result.token)
    assert actor.email == "leo@example.com" and actor.can("learning.view") and not actor.can("users.manage")
    with pytest.raises(Invalid):
        auth.login(session, "leo@example.com", "wrong-password-x", ip="1.2.3.4")
    session.commit()
    assert audit.verify(session).ok

"""`python -m lms_app ...`: migrate, seed, create-admin, audit verify, jobs, export-course, import-course,
backup, restore."""

from __future__ import annotations

import argparse
import getpass
import sys
import time

from lms_app import db, settings


def _cmd_migrate(args) -> int:
    from lms_app.migrate import migrate

    migrate()
    print(f"database is at the latest schema ({_safe_url()})")
    return 0


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.DATABASE_URL).render_as_string(hide_password=True)


def _cmd_seed(args) -> int:
    from lms_app.services import seed

    if args.demo:
        with db.session_scope() as session:
            if args.first_start and seed.has_users(session):
                logins = seed.demo_logins_present(session)
            else:
                logins = seed.seed_demo(session)
        if logins:
            print_demo_logins(logins)
    if args.synthetic:
        started = time.perf_counter()

        def say(text: str) -> None:
            print(f"  {time.perf_counter() - started:6.1f} s  {text}", flush=True)

        size = args.synthetic.upper()
        print(f"synthetic {size}: {seed.SYNTHETIC_SIZES[size]}, random seed {args.seed}", flush=True)
        with db.session_scope() as session:
            counts = seed.seed_synthetic(session, size, seed=args.seed, progress=say)
            say("committing")
        say("statistics for the query planner")
        db.refresh_statistics()
        print(f"synthetic {size}: {counts} in {time.perf_counter() - started:.1f} s")
    if args.catalog:
        with db.session_scope() as session:
            added = seed.seed_catalog(session, args.catalog, seed=args.seed)
        print(f"catalog: {added} catalog-only courses added (published courses: at least {args.catalog})")
    if not args.demo and not args.synthetic and not args.catalog:
        print("say --demo, --synthetic S|M|L or --catalog N", file=sys.stderr)
        return 2
    return 0


def print_demo_logins(logins) -> None:
    from lms_app.services.seed import DEMO_PASSWORD

    print(f"\nOpen {settings.PUBLIC_URL} and sign in with one of the demo logins (password: {DEMO_PASSWORD}):")
    for login in logins:
        print(f"  {login.role:<11} {login.email:<22} {login.name}")
    print()


def _cmd_create_admin(args) -> int:
    from lms_app.services import users
    from lms_app.services.errors import DomainError

    password = args.password or getpass.getpass("Password: ")
    try:
        with db.session_scope() as session:
            users.create_admin(session, args.email, args.name, password)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"admin {args.email} created")
    return 0


def _cmd_audit(args) -> int:
    from sqlmodel import Session

    from lms_app.services import audit

    with Session(db.get_engine()) as session:
        result = audit.verify(session)
    print(result.message)
    return 0 if result.ok else 1


def _actor_by_email(session, email: str):
    """The actor a command acts as (`--as EMAIL`): an active user, with their current roles."""
    from sqlalchemy import func
    from sqlmodel import select

    from lms_app.models import User
    from lms_app.services.errors import NotFound
    from lms_app.services.permissions import actor_for

    user = session.exec(select(User).where(func.lower(User.email) == email.strip().lower())).first()
    if user is None or not user.is_active:
        raise NotFound(f"There is no active user {email}.")
    return actor_for(session, user)


def _cmd_export_course(args) -> int:
    import os
    from pathlib import Path

    from lms_app.services import course_archive
    from lms_app.services.errors import DomainError

    target = Path(args.path)
    partial = target.with_name(target.name + ".part")
    try:
        with db.session_scope() as session, open(partial, "wb") as out:
            course_archive.export_course(session, _actor_by_email(session, args.as_email), args.course_id, out)
        os.replace(partial, target)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        partial.unlink(missing_ok=True)
    print(f"course {args.course_id} exported to {target}")
    return 0


def _cmd_import_course(args) -> int:
    from pathlib import Path

    from lms_app.services import course_archive
    from lms_app.services.errors import DomainError

    if not Path(args.path).is_file():
        print(f"error: there is no file {args.path}", file=sys.stderr)
        return 1
    try:
        with db.session_scope() as session:
            course = course_archive.import_course(session, _actor_by_email(session, args.as_email), Path(args.path))
            title, course_id = course.title, course.id
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"imported “{title}” as course {course_id} (a draft)")
    return 0


def _cmd_jobs(args) -> int:
    from lms_app.jobs.runner import Runner

    runner = Runner(name=args.name, schedule_recurring=True)
    if args.once:
        ran = runner.run_until_idle()
        print(f"{ran} jobs run")
    else:
        runner.run_forever()
    return 0


# --- backups ---
def _cmd_backup(args) -> int:
    from pathlib import Path

    from lms_app.services import backups
    from lms_app.services.errors import DomainError

    try:
        result = backups.create_backup(Path(args.path))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"backup written to {result.path}: {result.database_kind} database at schema {result.schema_revision}, "
          f"{result.file_count} files, {result.size} bytes")
    return 0


def _cmd_restore(args) -> int:
    from pathlib import Path

    from lms_app.services import backups
    from lms_app.services.errors import DomainError

    try:
        result = backups.restore_backup(Path(args.path))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"restored {result.database_kind} database (schema {result.restored_revision}, now {result.current_revision}) "
          f"and {result.file_count} files into {_safe_url()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lms_app")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="bring the database to the latest schema").set_defaults(func=_cmd_migrate)
    p = sub.add_parser("seed", help="add demo or synthetic data")
    p.add_argument("--demo", action="store_true", help="the demo organization (idempotent)")
    p.add_argument("--first-start", action="store_true", help="with --demo: only into a database without users")
    p.add_argument("--synthetic", metavar="S|M|L", choices=["S", "M", "L", "s", "m", "l"],
                   help="1k / 10k / 100k people, 20 / 100 / 1,000 courses, 5k / 200k / 2M enrollments and their history")
    p.add_argument("--seed", type=int, default=7, help="with --synthetic: the random seed (the same seed gives the same data)")
    p.add_argument("--catalog", type=int, metavar="N", help="top the published catalog up to N courses with catalog-only ones")
    p.set_defaults(func=_cmd_seed)
    p = sub.add_parser("create-admin", help="create an administrator account")
    p.add_argument("email")
    p.add_argument("name")
    p.add_argument("--password")
    p.set_defaults(func=_cmd_create_admin)
    p = sub.add_parser("audit", help="audit trail tools")
    p.add_argument("action", choices=["verify"])
    p.set_defaults(func=_cmd_audit)
    p = sub.add_parser("export-course", help="write a course (settings, structure, content, files) to one .zip")
    p.add_argument("course_id", type=int)
    p.add_argument("path")
    p.add_argument("--as", dest="as_email", required=True, metavar="EMAIL", help="who exports (an instructor of the course, or an admin)")
    p.set_defaults(func=_cmd_export_course)
    p = sub.add_parser("import-course", help="build a new draft course from an exported .zip")
    p.add_argument("path")
    p.add_argument("--as", dest="as_email", required=True, metavar="EMAIL", help="who imports (becomes the course's instructor)")
    p.set_defaults(func=_cmd_import_course)
    p = sub.add_parser("jobs", help="run the background job runner in this process")
    p.add_argument("--name", default=None)
    p.add_argument("--once", action="store_true", help="run until the queue is empty, then stop")
    p.set_defaults(func=_cmd_jobs)
    # --- backups ---
    p = sub.add_parser("backup", help="write the database and uploaded files to one archive")
    p.add_argument("path")
    p.set_defaults(func=_cmd_backup)
    p = sub.add_parser("restore", help="restore an archive into an empty install, then migrate it")
    p.add_argument("path")
    p.set_defaults(func=_cmd_restore)
    args = parser.parse_args(argv)
    return args.func(args)

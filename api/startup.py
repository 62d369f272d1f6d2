"""Start-up checks."""
from fastapi import FastAPI
from sqlalchemy import select

from api.auth.models import AppUser
from api.auth.passwords import verify_password


def refuse_demo_passwords_in_production(app: FastAPI) -> None:
    """Stop the server when any active account still has the demo password."""
    demo = app.state.settings.demo_password
    checked: dict[str, bool] = {}
    with app.state.sessionmaker() as session:
        hashes = session.execute(select(AppUser.username, AppUser.password_hash).where(AppUser.active)).all()
    offenders = []
    for username, password_hash in hashes:
        if password_hash not in checked:
            checked[password_hash] = verify_password(password_hash, demo)
        if checked[password_hash]:
            offenders.append(username)
    if offenders:
        raise RuntimeError(
            "HOLOMAP_ENV=production but these accounts still have the demo password: "
            + ", ".join(offenders[:10]) + (" …" if len(offenders) > 10 else "")
            + ". Change their passwords (holomap set-password USER) before starting."
        )

"""Start-up checks."""
from fastapi import FastAPI
from sqlalchemy import select

from api.auth.models import AppUser
from api.auth.passwords import verify_password
from api.clientaddr import trusted_networks
from api.config import DEV_SECRET, Settings

MIN_SECRET_BYTES = 32
MAKE_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


def refuse_unsafe_settings(settings: Settings) -> None:
    """Stop before serving anything when a setting would be unsafe (called by create_app).

    In production the token signing secret must not be the built-in development one (anyone who has
    read the source could sign tokens for any user) and must have at least MIN_SECRET_BYTES bytes.
    HOLOMAP_TRUSTED_PROXIES must parse in any environment.
    """
    trusted_networks(settings.trusted_proxies)  # ValueError naming the entry that is not an IP/CIDR
    if not settings.is_production:
        return
    how = f"generate one with: {MAKE_SECRET} and set it as HOLOMAP_SECRET (keep it out of the repository)"
    if settings.secret == DEV_SECRET:
        raise RuntimeError("HOLOMAP_ENV=production but HOLOMAP_SECRET is the built-in development secret, "
                           f"which anyone can use to sign tokens; {how}")
    if len(settings.secret.encode()) < MIN_SECRET_BYTES:
        raise RuntimeError(f"HOLOMAP_ENV=production but HOLOMAP_SECRET has only {len(settings.secret.encode())}"
                           f" bytes (at least {MIN_SECRET_BYTES} are needed); {how}")


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

"""argon2 password hashing, the strength rule of a new password, one-time passwords."""
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


MIN_LENGTH = 10  # as `holomap set-password`
ONE_TIME_LENGTH = 14
# no 0/O, 1/l/I: a one-time password is read off a screen and typed in by hand
_ONE_TIME_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    """A random password (secrets) for an administrator's reset; changed by its user at first sign-in."""
    return "".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(ONE_TIME_LENGTH))


def weakness(password: str, *, username: str) -> str | None:
    """Why a new password is too weak (None when it is fine): at least MIN_LENGTH characters, of at least
    two kinds (letters, digits, other), not the username."""
    if len(password) < MIN_LENGTH:
        return "short"
    kinds = (any(c.isalpha() for c in password), any(c.isdigit() for c in password),
             any(not c.isalnum() for c in password))
    if sum(kinds) < 2:
        return "one_kind"
    if username.lower() in password.lower():
        return "username"
    return None

"""A raw-socket HTTP/1.1 client for the edge tests: it streams a chunked body and watches for the answer
while it sends, as a browser or curl would not, so a test sees exactly when the server refused."""
import json
import select
import socket
import time
from dataclasses import dataclass, field


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int  # body bytes the client managed to send before the answer (or the close)
    seconds: float  # from the request line to the complete answer
    closed: bool  # the server closed the connection after the answer
    json: dict = field(default_factory=dict)


def send_chunked(host: str, port: int, path: str, *, headers: dict[str, str] | None = None,
                 total: int, chunk: int = 64 * 1024, payload: bytes | None = None, prefix: bytes = b"",
                 timeout: float = 30.0) -> Answer:
    """POST `prefix` then `total` bytes of filler (or just `payload`) as a chunked body, stopping as soon
    as the server answers."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Transfer-Encoding: chunked"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        start = time.monotonic()
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sent = len(prefix)
        if prefix:
            sock.sendall(f"{len(prefix):x}\r\n".encode() + prefix + b"\r\n")
        if payload is not None:
            sock.sendall(f"{len(payload):x}\r\n".encode() + payload + b"\r\n0\r\n\r\n")
            sent = len(payload)
        else:
            piece = f"{chunk:x}\r\n".encode() + b"x" * chunk + b"\r\n"
            while sent < total and time.monotonic() - start < timeout:
                readable, writable, _ = select.select([sock], [sock], [], timeout)
                if readable:
                    break  # the answer is coming: stop sending
                try:
                    sock.sendall(piece)
                except OSError:  # closed (reset) by the server: read what it answered
                    break
                sent += chunk
            else:
                try:
                    sock.sendall(b"0\r\n\r\n")
                except OSError:
                    pass
        raw = _read_answer(sock, timeout)
        seconds = time.monotonic() - start
        closed = _closed(sock)
    finally:
        sock.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    answer_headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    answer = Answer(int(status_line.split()[1]), answer_headers, body, sent, seconds, closed)
    if answer_headers.get("content-type", "").startswith("application/json"):
        answer.json = json.loads(body)
    return answer


def _read_answer(sock: socket.socket, timeout: float) -> bytes:
    """Bytes until the end of a Content-Length body (the refusals always send one)."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), None)
            if length is not None and len(body) >= length:
                return data
        try:
            more = sock.recv(65536)
        except OSError:
            more = b""
        if not more:
            return data
        data += more
    raise TimeoutError("no complete answer in time")


def _closed(sock: socket.socket, wait: float = 5.0) -> bool:
    """The server closed the connection within `wait` seconds (reads return EOF or a reset)."""
    sock.settimeout(wait)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except TimeoutError:
        return False
    except OSError:
        return True

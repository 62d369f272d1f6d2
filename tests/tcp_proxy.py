"""A loopback TCP forwarder to the real PostgreSQL, for outage drills (tests/pool_scenarios.py, bench/db_restart.py).

A test fixture, not part of the product: the app is pointed at the forwarder's port, and stopping the
forwarder (listener closed, every forwarded connection reset) looks to the app like a database that went
away; resuming it like one that is back. The machine's real PostgreSQL is never stopped.

It runs on a thread with an event loop of its own, so its methods are plain calls usable from synchronous
code and from another event loop alike.
"""
import asyncio
import socket
import threading


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TcpProxy:
    """Forward 127.0.0.1:`port` to (target_host, target_port) until stop(); resume() listens again."""

    def __init__(self, target_host: str, target_port: int, port: int | None = None):
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.upstream_ports: set[int] = set()  # local ports of the live connections to PostgreSQL
        self._thread.start()

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def start(self) -> "TcpProxy":
        self._run(self._listen())
        return self

    resume = start

    def stop(self) -> None:
        """Close the listener (new connections are refused) and reset every forwarded connection."""
        self._run(self._stop())

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> "TcpProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port, reuse_address=True)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()  # RST: both ends see the connection die at once
        self._writers.clear()
        self.upstream_ports.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        port = up_writer.get_extra_info("sockname")[1]
        self._writers.update((writer, up_writer))
        self.upstream_ports.add(port)
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            for w in (writer, up_writer):
                self._writers.discard(w)
                w.transport.abort()
            self.upstream_ports.discard(port)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()  # end of one direction: pass it on (FIN), the other side then ends its own

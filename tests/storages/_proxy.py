"""A TCP proxy in front of a real database server, to take it "down" and bring it back.

``down()`` drops every open connection and refuses new ones (the port stops listening), as a
server restart or a network cut does; ``up()`` listens again on the same port. ``cut_after(marker)``
lets the next client message containing ``marker`` reach the server, then drops every connection
before the answer comes back: the client cannot know whether its statement (e.g. a COMMIT) took
effect. The database itself is never touched, so other tests and engineers using the shared
server are not disturbed.

Fault modes for the fault-injection suite (``tests/faults``):

- ``latency(seconds)``: every chunk is delayed by ``seconds`` in each direction (a slow network);
- ``drop()``: bytes in both directions are silently discarded while connections stay open and new
  ones are accepted (a black hole: clients wait until their own timeouts);
- ``partition()``: connections stay open but nothing moves; bytes are held and delivered in order
  at ``heal()`` (a network partition that heals: TCP retransmits, nothing is lost);
- ``heal()``: back to normal (latency 0, no drop, no partition).
"""

from __future__ import annotations

import select
import socket
import threading
import time

__all__ = ["TcpProxy"]


class TcpProxy:
    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self._target = (host, target_port)
        self._host = host
        probe = socket.socket()
        probe.bind((host, 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.dropped = 0  # connections cut by down()
        self._marker: bytes | None = None
        self._cutting = False
        self.cuts = 0  # cut_after() cuts done
        self._latency = 0.0
        self._dropping = False
        self._open = threading.Event()  # cleared during a partition
        self._open.set()
        self.up()

    def latency(self, seconds: float) -> None:
        """Delay every chunk by ``seconds`` (each direction)."""
        self._latency = float(seconds)

    def drop(self) -> None:
        """Discard every byte in both directions until ``heal()``; connections stay open."""
        self._dropping = True

    def partition(self) -> None:
        """Hold every byte (both directions) until ``heal()``; connections stay open."""
        self._open.clear()

    def heal(self) -> None:
        """End latency, drop and partition."""
        self._latency = 0.0
        self._dropping = False
        self._open.set()

    def cut_after(self, marker: bytes) -> None:
        """Cut every connection right after the next client message containing ``marker``."""
        self._marker = marker

    def _drop_all(self) -> None:
        with self._lock:
            sockets = list(self._sockets)
            self._sockets.clear()
        for sock in sockets:
            _close(sock)

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self._host, self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            n = len(self._sockets)
        self._drop_all()
        self.dropped += n // 2

    def close(self) -> None:
        self.down()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                ready, _, _ = select.select([listener], [], [], 0.05)
                if not ready:
                    continue
                client, _ = listener.accept()
            except (OSError, ValueError):  # closed by down()
                return
            try:
                server = socket.create_connection(self._target)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets.update((client, server))
            for a, b, upstream in ((client, server, True), (server, client, False)):
                threading.Thread(target=self._pump, args=(a, b, upstream), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, upstream: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                self._open.wait()  # a partition holds the bytes until heal()
                if self._dropping:
                    continue
                if self._latency:
                    time.sleep(self._latency)
                if not upstream and self._cutting:
                    continue  # the answer to the marked message is never delivered
                marker = self._marker
                if upstream and marker is not None and marker in data:
                    self._marker = None
                    self._cutting = True
                    dst.sendall(data)
                    # The rest of the message (e.g. psycopg's Bind/Execute/Sync after a Parse)
                    # still reaches the server, which executes it.
                    src.settimeout(0.1)
                    try:
                        while more := src.recv(65536):
                            dst.sendall(more)
                    except OSError:
                        pass
                    time.sleep(0.2)
                    self.cuts += 1
                    self._drop_all()
                    self._cutting = False
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets.discard(src)
                self._sockets.discard(dst)
            _close(src)
            _close(dst)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()

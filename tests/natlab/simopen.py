#!/usr/bin/env python3
"""TCP simultaneous open with plain sockets, for the NAT lab self-test (DESIGN.md section 3).

Each side binds a fixed local ip:port with SO_REUSEADDR + SO_REUSEPORT (as a libp2p hole punch
does: every dial leaves from the listening port) and connects to the peer's *public* ip:port at the
same time. A NAT on each side lets the peer's SYN in only once its own outbound SYN has created the
mapping; the kernel then completes a simultaneous open (SYN / SYN / SYN-ACK / SYN-ACK).

--listen also keeps a listening socket on the same port (like a libp2p listener); --listen-only
does nothing but listen (negative controls). After the connection is up both sides exchange one
line, print the evidence and hold the socket open for --hold seconds so the test can read ss(8).

Output: one line per event, "simopen[<bind>] EVENT key=value ...". Exit 0 = connected and
exchanged, 1 = no connection before --timeout, 2 = usage error.
"""
import argparse
import errno
import os
import select
import socket
import sys
import time

T0 = time.monotonic()


def log(tag, event, **kv):
    parts = " ".join(f"{k}={v}" for k, v in kv.items())
    now = time.strftime("%H:%M:%S")
    print(f"[{now} +{time.monotonic() - T0:.3f}s] simopen[{tag}] {event} {parts}".rstrip(), flush=True)


def hostport(s):
    host, _, port = s.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected ip:port, got {s!r}")
    return host, int(port)


def reuse_socket(bind):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(bind)
    return s


def exchange(conn, tag, how, attempts, hold):
    local = "%s:%d" % conn.getsockname()
    peer = "%s:%d" % conn.getpeername()
    log(tag, "CONNECTED", local=local, peer=peer, via=how, attempts=attempts)
    conn.settimeout(5)
    conn.sendall(f"hello from {tag}\n".encode())
    buf = b""
    try:
        while not buf.endswith(b"\n"):
            chunk = conn.recv(256)
            if not chunk:
                break
            buf += chunk
    except OSError as e:
        log(tag, "EXCHANGE-FAILED", error=e.__class__.__name__, errno=e.errno)
        return 1
    if not buf.endswith(b"\n"):
        log(tag, "EXCHANGE-FAILED", error="eof")
        return 1
    log(tag, "EXCHANGED", received=repr(buf.decode(errors="replace").strip()))
    log(tag, "HOLDING", seconds=hold)
    end = time.monotonic() + hold
    while time.monotonic() < end:
        time.sleep(0.1)
    conn.close()
    log(tag, "DONE")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bind", type=hostport, required=True, help="local ip:port (fixed)")
    ap.add_argument("--peer", type=hostport, help="peer's public ip:port")
    ap.add_argument("--timeout", type=float, default=8.0, help="give up after this many seconds")
    ap.add_argument("--hold", type=float, default=10.0, help="keep the connection open this long")
    ap.add_argument("--delay", type=float, default=0.0, help="wait this long before dialing (ordering tests)")
    ap.add_argument("--listen", action="store_true", help="also listen on the bound port")
    ap.add_argument("--listen-only", action="store_true", help="only listen (no connect)")
    a = ap.parse_args()
    if not a.peer and not a.listen_only:
        ap.error("--peer is required unless --listen-only")
    tag = "%s:%d" % a.bind
    deadline = T0 + a.timeout

    listener = None
    if a.listen or a.listen_only:
        listener = reuse_socket(a.bind)
        listener.listen(8)
        listener.setblocking(False)
        log(tag, "LISTENING")
    if a.listen_only:
        r, _, _ = select.select([listener], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            log(tag, "TIMEOUT", after=f"{a.timeout}s", what="nothing accepted")
            return 1
        conn, _ = listener.accept()
        conn.setblocking(True)
        return exchange(conn, tag, "accept", 0, a.hold)

    if a.delay > 0:
        time.sleep(a.delay)
        deadline += a.delay
    log(tag, "DIALING", peer="%s:%d" % a.peer)
    attempts = 0
    last_err = "none"
    while time.monotonic() < deadline:
        attempts += 1
        s = reuse_socket(a.bind)
        s.setblocking(False)
        rc = s.connect_ex(a.peer)
        if rc not in (0, errno.EINPROGRESS):
            last_err = errno.errorcode.get(rc, str(rc))
            log(tag, "CONNECT-ERROR", attempt=attempts, error=last_err)
            s.close()
            time.sleep(0.2)
            continue
        # One attempt lasts until the deadline: the kernel retransmits the SYN (1 s, 3 s, 7 s ...)
        # from the same port. Closing and re-creating the socket early would open a window in
        # which the peer's SYN finds no socket and is answered with a RST.
        while True:
            wait = deadline - time.monotonic()
            if wait <= 0:
                break
            rl = [listener] if listener else []
            r, w, _ = select.select(rl, [s], [], min(wait, 0.5))
            if listener and listener in r:
                conn, _ = listener.accept()
                conn.setblocking(True)
                s.close()
                return exchange(conn, tag, "accept", attempts, a.hold)
            if s in w:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err == 0:
                    s.setblocking(True)
                    return exchange(s, tag, "connect", attempts, a.hold)
                last_err = errno.errorcode.get(err, str(err))
                log(tag, "CONNECT-ERROR", attempt=attempts, error=last_err)
                break
        s.close()
        if time.monotonic() < deadline:
            time.sleep(0.2)
    log(tag, "TIMEOUT", after=f"{a.timeout}s", attempts=attempts, last_error=last_err)
    return 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)

#!/usr/bin/env python3
"""Line echo server and a pausing client, for the NAT lab's mapping-loss checks (DESIGN.md 3).

  tcpecho.py serve  --bind IP:PORT
  tcpecho.py client --connect IP:PORT --resume-file PATH [--user-timeout-ms 3000] [--resume-wait 8]

The client connects, sends "ping 1" and reads the echo, prints PAUSED, and waits (idle, no traffic)
until PATH exists; meanwhile the test injects a fault on the client's NAT router. Then it sends
"ping 2" and waits for the echo. TCP_USER_TIMEOUT makes the kernel give up on unacknowledged data
quickly, so a flow whose NAT mapping is gone fails with ETIMEDOUT instead of retransmitting for
~15 minutes. Client result lines: "RESUMED ok" (exit 0) or "DEAD reason=..." (exit 3).
"""
import argparse
import os
import socket
import sys
import threading
import time

T0 = time.monotonic()


def log(role, event, **kv):
    parts = " ".join(f"{k}={v}" for k, v in kv.items())
    print(f"[{time.strftime('%H:%M:%S')} +{time.monotonic() - T0:.3f}s] tcpecho[{role}] {event} {parts}".rstrip(),
          flush=True)


def hostport(s):
    host, _, port = s.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected ip:port, got {s!r}")
    return host, int(port)


def serve(a):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(a.bind)
    ls.listen(16)
    log("server", "LISTENING", addr="%s:%d" % a.bind)

    def handle(c, peer):
        p = "%s:%d" % peer
        log("server", "ACCEPT", peer=p)
        try:
            f = c.makefile("rb")
            for line in f:
                log("server", "RECV", peer=p, line=repr(line.decode(errors="replace").strip()))
                c.sendall(line)
            log("server", "EOF", peer=p)
        except OSError as e:
            log("server", "ERROR", peer=p, errno=e.errno, error=e.__class__.__name__)
        finally:
            c.close()

    while True:
        c, peer = ls.accept()
        threading.Thread(target=handle, args=(c, peer), daemon=True).start()


def read_line(s, wait):
    s.settimeout(wait)
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(256)
        if not chunk:
            raise ConnectionError("eof")
        buf += chunk
    return buf.decode().strip()


def client(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, a.user_timeout_ms)
    s.settimeout(5)
    s.connect(a.connect)
    local = "%s:%d" % s.getsockname()
    log("client", "CONNECTED", local=local, peer="%s:%d" % a.connect, user_timeout_ms=a.user_timeout_ms)
    s.sendall(b"ping 1\n")
    log("client", "ECHO", line=repr(read_line(s, 5)))
    log("client", "PAUSED", until_file=a.resume_file)
    end = time.monotonic() + a.max_pause
    while not os.path.exists(a.resume_file):
        if time.monotonic() > end:
            log("client", "GAVE-UP", reason="resume file never appeared")
            return 1
        time.sleep(0.05)
    t = time.monotonic()
    log("client", "RESUMING")
    try:
        s.sendall(b"ping 2\n")
        line = read_line(s, a.resume_wait)
        log("client", "RESUMED", result="ok", line=repr(line), after=f"{time.monotonic() - t:.2f}s")
        return 0
    except OSError as e:
        # socket.timeout is TimeoutError with errno None (our own recv deadline); the kernel's
        # ETIMEDOUT (TCP_USER_TIMEOUT expired) is also TimeoutError, but with errno set.
        if e.errno is None:
            log("client", "DEAD", reason="no-echo", after=f"{time.monotonic() - t:.2f}s")
        else:
            log("client", "DEAD", reason=repr(os.strerror(e.errno)), errno=e.errno,
                after=f"{time.monotonic() - t:.2f}s")
    return 3


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sv = sub.add_parser("serve")
    sv.add_argument("--bind", type=hostport, required=True)
    cl = sub.add_parser("client")
    cl.add_argument("--connect", type=hostport, required=True)
    cl.add_argument("--resume-file", required=True)
    cl.add_argument("--user-timeout-ms", type=int, default=3000)
    cl.add_argument("--resume-wait", type=float, default=8.0)
    cl.add_argument("--max-pause", type=float, default=60.0)
    a = ap.parse_args()
    return serve(a) if a.cmd == "serve" else client(a)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)

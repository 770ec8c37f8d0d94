#!/usr/bin/env python3
"""Target service and TCP clients for tests/forward/forward_test.sh (python3 stdlib only).

serve --port P        the "blockchain node": each connection starts with one command line:
  ECHO                  echo every byte until EOF, then half-close
  SHA                   read until EOF, answer "<sha256 hex>\n", close
  SOURCE N SEED         send N deterministic bytes (gen(SEED)), close
  SINK SLOWSECS         read slowly for SLOWSECS seconds, then fast until EOF; answer the sha256; close
  HALFSRC N SEED        send N bytes, half-close, then read until EOF and log the sha256 of what came
  RST                   send "bye", then abort the connection with RST
  It logs one line per connection end: "END <cmd> eof|reset|error ..." (the test greps them).
Clients (all print one result line and exit 0 on success, 1 on failure):
  many --port P --conns 20 --size N --kind echo|up|down   concurrent transfers, SHA-256 checked
  slow-read --port P --size N --slow-secs S               a slow reader of SOURCE
  slow-write --port P --size N --slow-secs S              a fast writer to a slow SINK
  halfclose --port P --size N                             both half-close directions
  expect-closed --port P [--timeout S]                    the connection must be closed (EOF or RST)
  rst --port P                                            client aborts with RST mid-stream
  rst-from-target --port P                                the target's RST must reach us as a reset
"""
import argparse
import hashlib
import random
import socket
import struct
import sys
import threading
import time

CHUNK = 64 * 1024


def gen(seed, n):
    """n deterministic bytes in chunks (both ends produce the same stream)."""
    rng = random.Random(seed)
    left = n
    while left > 0:
        k = min(CHUNK, left)
        yield rng.randbytes(k)
        left -= k


def expected_sha(seed, n):
    h = hashlib.sha256()
    for c in gen(seed, n):
        h.update(c)
    return h.hexdigest()


def read_line(sock):
    data = b""
    while not data.endswith(b"\n"):
        b = sock.recv(1)
        if not b:
            raise EOFError("eof before the command line")
        data += b
        if len(data) > 200:
            raise ValueError("command line too long")
    return data.decode().strip()


def read_all(sock, h=None, delay=0.0, slow_until=0.0):
    """Reads until EOF; returns (bytes count, 'eof'|'reset')."""
    total = 0
    while True:
        if delay and time.monotonic() < slow_until:
            time.sleep(delay)
            b = sock.recv(16 * 1024)
        else:
            b = sock.recv(CHUNK)
        if not b:
            return total, "eof"
        total += len(b)
        if h:
            h.update(b)


def serve_conn(conn, log):
    cmd = "?"
    try:
        cmd = read_line(conn)
        parts = cmd.split()
        if parts[0] == "ECHO":
            n = 0
            while True:
                b = conn.recv(CHUNK)
                if not b:
                    break
                conn.sendall(b)
                n += len(b)
            conn.shutdown(socket.SHUT_WR)
            log(f"END {cmd} eof bytes={n}")
        elif parts[0] == "SHA":
            h = hashlib.sha256()
            n, _ = read_all(conn, h)
            conn.sendall((h.hexdigest() + "\n").encode())
            log(f"END {cmd} eof bytes={n}")
        elif parts[0] == "SOURCE":
            for c in gen(int(parts[2]), int(parts[1])):
                conn.sendall(c)
            log(f"END {cmd} eof")
        elif parts[0] == "SINK":
            h = hashlib.sha256()
            n, _ = read_all(conn, h, delay=0.05, slow_until=time.monotonic() + float(parts[1]))
            conn.sendall((h.hexdigest() + "\n").encode())
            log(f"END {cmd} eof bytes={n}")
        elif parts[0] == "HALFSRC":
            for c in gen(int(parts[2]), int(parts[1])):
                conn.sendall(c)
            conn.shutdown(socket.SHUT_WR)
            h = hashlib.sha256()
            n, _ = read_all(conn, h)
            log(f"END {cmd} eof received={n} sha={h.hexdigest()}")
        elif parts[0] == "RST":
            conn.sendall(b"bye")
            time.sleep(0.2)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            log(f"END {cmd} reset-sent")
        else:
            log(f"END {cmd} error unknown command")
    except ConnectionResetError:
        log(f"END {cmd} reset")
    except Exception as e:  # noqa: BLE001 - the log line is the test's evidence
        log(f"END {cmd} error {type(e).__name__}: {e}")
    finally:
        conn.close()


def serve(args):
    lock = threading.Lock()

    def log(line):
        with lock:
            print(line, flush=True)

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(128)
    log(f"serving on 127.0.0.1:{args.port}")
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve_conn, args=(conn, log), daemon=True).start()


def connect(port, timeout=60):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def one_transfer(port, kind, size, seed):
    s = connect(port)
    try:
        if kind == "echo":
            s.sendall(b"ECHO\n")
            sent = hashlib.sha256()

            def writer():
                try:
                    for c in gen(seed, size):
                        s.sendall(c)
                        sent.update(c)
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass  # the reader reports the failure

            t = threading.Thread(target=writer)
            t.start()
            got = hashlib.sha256()
            n, _ = read_all(s, got)
            t.join()
            return n == size and got.hexdigest() == sent.hexdigest(), f"echo {n}/{size} bytes"
        if kind == "up":
            s.sendall(b"SHA\n")
            for c in gen(seed, size):
                s.sendall(c)
            s.shutdown(socket.SHUT_WR)
            reply = s.makefile().readline().strip()
            return reply == expected_sha(seed, size), f"up sha {reply[:12]}"
        if kind == "down":
            s.sendall(f"SOURCE {size} {seed}\n".encode())
            got = hashlib.sha256()
            n, _ = read_all(s, got)
            return n == size and got.hexdigest() == expected_sha(seed, size), f"down {n}/{size} bytes"
        raise ValueError(kind)
    finally:
        s.close()


def many(args):
    results = [None] * args.conns
    t0 = time.monotonic()

    def run(i):
        try:
            results[i] = one_transfer(args.port, args.kind, args.size, 1000 + i)
        except Exception as e:  # noqa: BLE001
            results[i] = (False, f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(args.conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.monotonic() - t0
    ok = sum(1 for r in results if r and r[0])
    mib = args.conns * args.size / (1 << 20)
    print(f"{args.kind}: {ok}/{args.conns} connections SHA-256 ok, {mib:.0f} MiB in {dt:.1f} s "
          f"({mib / dt:.1f} MiB/s)")
    for i, r in enumerate(results):
        if not (r and r[0]):
            print(f"  conn {i}: {r}")
    return 0 if ok == args.conns else 1


def slow_read(args):
    s = connect(args.port, timeout=120)
    s.sendall(f"SOURCE {args.size} 7\n".encode())
    got = hashlib.sha256()
    t0 = time.monotonic()
    n, _ = read_all(s, got, delay=0.05, slow_until=t0 + args.slow_secs)
    ok = n == args.size and got.hexdigest() == expected_sha(7, args.size)
    print(f"slow-read: {n}/{args.size} bytes, sha {'ok' if ok else 'MISMATCH'}, {time.monotonic() - t0:.1f} s")
    return 0 if ok else 1


def slow_write(args):
    s = connect(args.port, timeout=120)
    s.sendall(f"SINK {args.slow_secs}\n".encode())
    t0 = time.monotonic()
    for c in gen(8, args.size):
        s.sendall(c)
    s.shutdown(socket.SHUT_WR)
    reply = s.makefile().readline().strip()
    ok = reply == expected_sha(8, args.size)
    print(f"slow-write: {args.size} bytes to a slow sink, sha {'ok' if ok else 'MISMATCH'}, "
          f"{time.monotonic() - t0:.1f} s")
    return 0 if ok else 1


def halfclose(args):
    # client -> target FIN first: the reply must still arrive after our SHUT_WR
    s = connect(args.port)
    s.sendall(b"SHA\n")
    for c in gen(3, args.size):
        s.sendall(c)
    s.shutdown(socket.SHUT_WR)
    reply = s.makefile().readline().strip()
    ok1 = reply == expected_sha(3, args.size)
    s.close()
    # target -> client FIN first: we read EOF, then still send; the target logs what it received
    s = connect(args.port)
    s.sendall(f"HALFSRC {args.size} 4\n".encode())
    got = hashlib.sha256()
    n, how = read_all(s, got)
    ok2 = n == args.size and got.hexdigest() == expected_sha(4, args.size) and how == "eof"
    for c in gen(5, args.size):
        s.sendall(c)
    s.shutdown(socket.SHUT_WR)
    rest = s.recv(1)  # the target closes after reading our EOF
    s.close()
    print(f"halfclose: client-FIN-first reply {'ok' if ok1 else 'BAD'}; target-FIN-first read {n} bytes "
          f"then EOF {'ok' if ok2 else 'BAD'}, sent {args.size} bytes after it (expect sha "
          f"{expected_sha(5, args.size)}), final recv {rest!r}")
    return 0 if ok1 and ok2 and rest == b"" else 1


def expect_closed(args):
    t0 = time.monotonic()
    try:
        s = connect(args.port, timeout=args.timeout)
        s.sendall(b"ECHO\nhello\n")
        b = s.recv(100)
        how = "eof" if not b else f"data {b!r}"
    except ConnectionResetError:
        how = "reset"
    except socket.timeout:
        how = "timeout"
    except OSError as e:
        how = f"error {e}"
    dt = time.monotonic() - t0
    print(f"expect-closed: {how} after {dt:.2f} s")
    return 0 if how in ("eof", "reset") else 1


def rst(args):
    s = connect(args.port)
    s.sendall(b"ECHO\n")
    s.sendall(b"x" * 1000)
    s.recv(1000)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("rst: sent RST")
    return 0


def rst_from_target(args):
    s = connect(args.port)
    s.sendall(b"RST\n")
    how = "?"
    try:
        while True:
            b = s.recv(100)
            if not b:
                how = "eof"
                break
    except ConnectionResetError:
        how = "reset"
    print(f"rst-from-target: {how}")
    return 0 if how == "reset" else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("serve", "many", "slow-read", "slow-write", "halfclose", "expect-closed", "rst", "rst-from-target"):
        q = sub.add_parser(name)
        q.add_argument("--port", type=int, required=True)
        q.add_argument("--size", type=int, default=4 << 20)
        q.add_argument("--conns", type=int, default=20)
        q.add_argument("--kind", default="echo")
        q.add_argument("--slow-secs", type=float, default=5)
        q.add_argument("--timeout", type=float, default=15)
    args = p.parse_args()
    fn = {"serve": serve, "many": many, "slow-read": slow_read, "slow-write": slow_write, "halfclose": halfclose,
          "expect-closed": expect_closed, "rst": rst, "rst-from-target": rst_from_target}[args.cmd]
    sys.exit(fn(args) or 0)


if __name__ == "__main__":
    main()

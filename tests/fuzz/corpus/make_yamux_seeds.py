#!/usr/bin/env python3
# Writes the seed corpora of fuzz_yamux_header and fuzz_yamux_session (see those files for the format).
import os, struct

here = os.path.dirname(os.path.abspath(__file__))
DATA, WU, PING, GOAWAY = 0, 1, 2, 3
SYN, ACK, FIN, RST = 1, 2, 4, 8

def frame(t, flags, sid, length, body=b"", version=0):
    return struct.pack(">BBHII", version, t, flags, sid, length) + body

def data(sid, body, flags=0):
    return frame(DATA, flags, sid, len(body), body)

def feed(raw):  # op 0: length byte + raw bytes, split into <=255-byte chunks
    out = b""
    for k in range(0, len(raw), 255):
        c = raw[k:k + 255]
        out += bytes([0, len(c)]) + c
    return out

OPEN, WRITE, READ, MISC = b"\x04", b"\x05", b"\x06", b"\x07"

def write(d, name, content):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(content)

hdr = os.path.join(here, "yamux_header")
write(hdr, "window_update_syn", frame(WU, SYN, 1, 0))
write(hdr, "ping_ack", frame(PING, ACK, 0, 0x01020304))
write(hdr, "go_away_protocol", frame(GOAWAY, 0, 0, 1))
write(hdr, "data_fin_ack", frame(DATA, FIN | ACK, 0xa1b2c3d4, 0x102030))
write(hdr, "bad_version", frame(PING, SYN, 0, 1, version=1))
write(hdr, "unknown_type", bytes([0, 4]) + bytes(10))
write(hdr, "short", bytes([0, 1, 0]))
write(hdr, "two_headers", frame(DATA, 0, 1, 5) + frame(WU, RST, 3, 0))

ses = os.path.join(here, "yamux_session")
write(ses, "open_data_fin_read", feed(frame(WU, SYN, 1, 0) + data(1, b"hello") + data(1, b"", FIN))
      + READ + b"\x00" + WRITE + b"\x00\x03" + MISC + b"\x03")
write(ses, "ping_first", feed(frame(PING, SYN, 0, 0xdeadbeef)) + MISC + b"\x02")
write(ses, "pong_for_initial_ping", feed(frame(PING, ACK, 0, 0)) + MISC + b"\xff")
write(ses, "syn_data_fin_one_frame", feed(data(3, b"request", SYN | FIN)) + READ + b"\x00")
write(ses, "go_away_normal", feed(frame(WU, SYN, 1, 0) + frame(GOAWAY, 0, 0, 0)) + OPEN + WRITE + b"\x00\x05")
write(ses, "go_away_internal", feed(frame(GOAWAY, 0, 0, 2)))
write(ses, "rst_and_late_data", feed(frame(WU, SYN, 1, 0) + frame(WU, RST, 1, 0) + data(1, b"late")))
write(ses, "window_update_growth", feed(frame(WU, SYN, 1, 1 << 20)) + WRITE + b"\x00\xff" + WRITE + b"\x00\xff")
write(ses, "local_streams", OPEN + OPEN + OPEN + WRITE + b"\x01\x40" + MISC + b"\x01" + MISC + b"\x40"
      + feed(frame(WU, ACK, 2, 4096) + data(2, b"reply", ACK | FIN)))
write(ses, "big_data_split", feed(frame(WU, SYN, 1, 0) + data(1, bytes(range(256)) * 12)) + READ + b"\x00")
write(ses, "timeouts", MISC + b"\x3c" + MISC + b"\x3c" + MISC + b"\x3c" + MISC + b"\x3c")
# Violations.
write(ses, "bad_version", feed(frame(PING, SYN, 0, 1, version=1)))
write(ses, "unknown_type", feed(bytes([0, 7]) + bytes(10)))
write(ses, "ping_flags", feed(frame(PING, SYN | ACK, 0, 1)))
write(ses, "wrong_parity", feed(frame(WU, SYN, 2, 0)))
write(ses, "duplicate_syn", feed(frame(WU, SYN, 1, 0) + frame(DATA, SYN, 1, 0)))
write(ses, "data_on_stream0", feed(frame(DATA, 0, 0, 0)))
write(ses, "ping_on_stream", feed(frame(PING, SYN, 5, 0)))
write(ses, "frame_too_large", feed(frame(DATA, SYN, 1, (1 << 20) + 1)))
write(ses, "window_exceeded", feed(frame(DATA, SYN, 1, 256 * 1024 + 1)))
write(ses, "window_overflow", feed(frame(WU, SYN, 1, 0xffffffff)))
write(ses, "unsolicited_pong", feed(frame(PING, ACK, 0, 77)))
write(ses, "ping_flood", feed(frame(PING, SYN, 0, 1) * 60) * 8)
write(ses, "syn_flood", feed(b"".join(frame(WU, SYN, 2 * k + 1, 0) for k in range(40))))

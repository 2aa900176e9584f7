#!/usr/bin/env python3
"""Stand-in upstreams for the failover benchmark, by hand only.

  upstreams.py static PORT DIR LOG    a plain GOPROXY file server over DIR (the healthy one)
  upstreams.py 503 PORT LOG           answers every request 503 (no Retry-After: the breaker must count)
  upstreams.py blackhole PORT LOG     accepts connections and never answers
  upstreams.py slow PORT DIR LOG      like static, but every body is sent at 64 bytes per second (headers at once)
  upstreams.py tamper PORT DIR LOG    like static, but every .zip has one byte altered (.info and .mod are correct)
  upstreams.py truncate PORT DIR LOG  like static, but sends half of every body (full Content-Length), then closes
  upstreams.py reset PORT DIR LOG     like static, but sends half of every body, then resets the connection
  upstreams.py proxy-slow PORT UPSTREAM_URL LOG
                                      a reverse proxy (GET and HEAD) in front of a registry at UPSTREAM_URL that
                                      sends every body at 64 bytes per second (status and headers at once)
  upstreams.py proxy-tamper PORT UPSTREAM_URL LOG
                                      the same proxy, but every body of a GET of /v2/.../blobs/sha256:... has one
                                      byte altered in its middle (manifests and everything else are passed as is)

Every request (or accepted connection) is logged as "<unix time> <path>" to LOG; the proxies add the method and
the status: "<unix time> <path> <method> <status>" (the time is the request's arrival).
"""
import http.client
import http.server
import os
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse


def log_line(log, what):
    with open(log, "a") as f:
        f.write("%.3f %s\n" % (time.time(), what))


class Quiet(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1, no request log on stderr, and a client that goes away mid-answer is not an error."""
    protocol_version = "HTTP/1.1"

    def handle(self):
        try:
            super().handle()
        except (OSError, ValueError):
            pass

    def log_message(self, *args):
        pass


def serve(port, handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    server.serve_forever()


def static(port, root, log, fault=None):
    class H(Quiet):

        def do_GET(self):
            log_line(log, self.path)
            rel = urllib.parse.unquote(self.path.split("?")[0]).lstrip("/")
            path = os.path.normpath(os.path.join(root, rel))
            if not path.startswith(root) or not os.path.isfile(path):
                status, body = 404, b"not found"
            else:
                with open(path, "rb") as f:
                    status, body = 200, f.read()
            if fault == "tamper" and status == 200 and path.endswith(".zip"):
                i = len(body) // 2
                body = body[:i] + bytes([body[i] ^ 0xFF]) + body[i + 1:]
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if fault == "slow":
                send_slowly(self.wfile, body)
            elif fault in ("truncate", "reset") and status == 200 and len(body) > 1:
                self.wfile.write(body[:len(body) // 2])
                self.wfile.flush()
                if fault == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                else:
                    self.connection.shutdown(socket.SHUT_WR)
                self.connection.close()
                self.close_connection = True
            else:
                self.wfile.write(body)

    serve(port, H)


def send_slowly(wfile, body):
    # 64 bytes a second, in pieces of 16: never a gap long enough to look stalled.
    for i in range(0, len(body), 16):
        wfile.write(body[i:i + 16])
        wfile.flush()
        time.sleep(0.25)


# Request headers a registry client's pull depends on, and response headers it reads (Content-Range and status
# 206 for a Range continuation, WWW-Authenticate for a token challenge, Link for tag-list pages).
PROXY_REQUEST_HEADERS = ("Accept", "Authorization", "Range", "If-None-Match", "User-Agent")
PROXY_RESPONSE_HEADERS = ("Content-Type", "Content-Length", "Content-Range", "Accept-Ranges", "Docker-Content-Digest",
                          "Docker-Distribution-Api-Version", "Location", "WWW-Authenticate", "Link", "ETag",
                          "Last-Modified", "Cache-Control", "Retry-After")
BLOB_PATH = re.compile(r"^/v2/.+/blobs/sha256:[0-9a-f]{64}$")


def proxy(port, upstream, log, fault):
    target = urllib.parse.urlsplit(upstream)

    class H(Quiet):

        def do_GET(self):
            self.forward("GET")

        def do_HEAD(self):
            self.forward("HEAD")

        def forward(self, method):
            arrived = time.time()
            # One connection per request: loopback, and it keeps a response the client abandoned from holding a
            # shared connection to the upstream.
            conn = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=60)
            try:
                headers = {h: self.headers[h] for h in PROXY_REQUEST_HEADERS if self.headers[h] is not None}
                conn.request(method, target.path.rstrip("/") + self.path, headers=headers)
                resp = conn.getresponse()
                body = resp.read()   # whole: the largest fixture blob is 8 MiB
            except OSError as e:
                with open(log, "a") as f:
                    f.write("%.3f %s %s upstream-error %s\n" % (arrived, self.path, method, e))
                self.send_error(502)
                return
            finally:
                conn.close()
            with open(log, "a") as f:
                f.write("%.3f %s %s %d\n" % (arrived, self.path, method, resp.status))
            if (fault == "tamper" and method == "GET" and resp.status in (200, 206) and body
                    and BLOB_PATH.match(self.path.split("?")[0])):
                i = len(body) // 2
                body = body[:i] + bytes([body[i] ^ 0xFF]) + body[i + 1:]
            self.send_response(resp.status)
            for h in PROXY_RESPONSE_HEADERS:
                for v in resp.headers.get_all(h) or []:
                    if h == "Content-Length" and method == "GET":
                        v = str(len(body))   # the same number: http.client has read exactly that many
                    self.send_header(h, v)
            if method == "GET" and resp.headers.get("Content-Length") is None:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if method == "HEAD" or not body:
                return
            if fault == "slow":
                send_slowly(self.wfile, body)
            else:
                self.wfile.write(body)

    serve(port, H)


def unavailable(port, log):
    class H(Quiet):

        def do_GET(self):
            log_line(log, self.path)
            body = b"service unavailable"
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    serve(port, H)


def blackhole(port, log):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(256)
    held = []
    while True:
        c, _ = s.accept()
        held.append(c)
        log_line(log, "connection")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "static":
        static(int(sys.argv[2]), os.path.abspath(sys.argv[3]), sys.argv[4])
    elif mode == "503":
        unavailable(int(sys.argv[2]), sys.argv[3])
    elif mode == "blackhole":
        blackhole(int(sys.argv[2]), sys.argv[3])
    elif mode in ("slow", "tamper", "truncate", "reset"):
        static(int(sys.argv[2]), os.path.abspath(sys.argv[3]), sys.argv[4], mode)
    elif mode in ("proxy-slow", "proxy-tamper"):
        proxy(int(sys.argv[2]), sys.argv[3], sys.argv[4], mode[len("proxy-"):])
    else:
        sys.exit("unknown mode " + mode)

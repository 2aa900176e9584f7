#!/usr/bin/env python3
"""Stand-in upstreams for the failover benchmark, by hand only.

  upstreams.py static PORT DIR LOG    a plain GOPROXY file server over DIR (the healthy one)
  upstreams.py 503 PORT LOG           answers every request 503 (no Retry-After: the breaker must count)
  upstreams.py blackhole PORT LOG     accepts connections and never answers

Every request (or accepted connection) is logged as "<unix time> <path>" to LOG.
"""
import http.server
import os
import socket
import sys
import threading
import time
import urllib.parse


def log_line(log, what):
    with open(log, "a") as f:
        f.write("%.3f %s\n" % (time.time(), what))


def serve(port, handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    server.serve_forever()


def static(port, root, log):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            log_line(log, self.path)
            rel = urllib.parse.unquote(self.path.split("?")[0]).lstrip("/")
            path = os.path.normpath(os.path.join(root, rel))
            if not path.startswith(root) or not os.path.isfile(path):
                body = b"not found"
                self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            with open(path, "rb") as f:
                body = f.read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    serve(port, H)


def unavailable(port, log):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            log_line(log, self.path)
            body = b"service unavailable"
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

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
    else:
        sys.exit("unknown mode " + mode)

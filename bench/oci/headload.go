// headload: a HEAD load generator for bench.sh, because wrk 4.1 cannot measure HEAD (after a HEAD answer it waits
// for the body its Content-Length announces and counts 0 requests). Built like wrk so that it costs about as little
// CPU per request: -t OS threads, each running an epoll loop over its share of -c keep-alive connections with one
// request in flight on each. (A goroutine per connection on Go's network poller topped out at about half of wrk's
// requests/s against the same server on this 2-core machine, and so measured itself, not the server.)
// -m GET reads each answer's Content-Length body as well: the same client on GET, to compare HEAD with GET.
//
//	go build -o headload headload.go
//	headload -t 2 -c 32 -d 10s -H 'Accept: ...' http://127.0.0.1:18493/v2/library/blob1m/manifests/1
//
// Prints "N requests in Ds, R req/s, F failed" (failed: a status other than 200, a malformed answer or a broken
// connection, which is then reopened; the reasons go to stderr). Exits 1 when nothing succeeded. Linux only.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

// conn is one keep-alive connection and the answer being read on it.
type conn struct {
	fd  int
	buf []byte // bytes of the current answer read so far
}

// worker is one OS thread's epoll loop and its counts.
type worker struct {
	ok, failed int64
	why        map[string]int
}

func main() {
	threads := flag.Int("t", 2, "threads")
	conns := flag.Int("c", 32, "connections")
	duration := flag.Duration("d", 10*time.Second, "measured time")
	method := flag.String("m", "HEAD", "HEAD, or GET (reads Content-Length bodies; no chunked encoding)")
	var extra headers
	flag.Var(&extra, "H", "request header line (repeatable)")
	flag.Parse()
	u, err := url.Parse(flag.Arg(0))
	if flag.NArg() != 1 || err != nil || u.Scheme != "http" || (*method != "HEAD" && *method != "GET") || *threads < 1 || *conns < *threads {
		fmt.Fprintln(os.Stderr, "usage: headload [-t 2] [-c 32] [-d 10s] [-m HEAD|GET] [-H 'Name: value']... http://host:port/path")
		os.Exit(2)
	}
	addr, err := net.ResolveTCPAddr("tcp4", u.Host)
	if err != nil {
		fmt.Fprintln(os.Stderr, "headload:", err)
		os.Exit(2)
	}
	sa := &syscall.SockaddrInet4{Port: addr.Port}
	copy(sa.Addr[:], addr.IP.To4())
	var req strings.Builder
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\n", *method, u.RequestURI(), u.Host)
	for _, h := range extra {
		req.WriteString(h + "\r\n")
	}
	req.WriteString("\r\n")
	request := []byte(req.String())

	deadline := time.Now().Add(*duration)
	start := time.Now()
	workers := make([]*worker, *threads)
	var wg sync.WaitGroup
	for i := range workers {
		n := *conns / *threads
		if i < *conns%*threads {
			n++
		}
		w := &worker{why: map[string]int{}}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			w.run(sa, n, request, *method == "GET", deadline)
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	var ok, failed int64
	why := map[string]int{}
	for _, w := range workers {
		ok += w.ok
		failed += w.failed
		for k, v := range w.why {
			why[k] += v
		}
	}
	fmt.Printf("%d requests in %.2fs, %.0f req/s, %d failed\n", ok, secs, float64(ok)/secs, failed)
	for reason, n := range why {
		fmt.Fprintf(os.Stderr, "  %d failed: %s\n", n, reason)
	}
	if ok == 0 {
		os.Exit(1)
	}
}

func (w *worker) fail(reason string) {
	w.failed++
	w.why[reason]++
}

func (w *worker) run(sa *syscall.SockaddrInet4, n int, request []byte, get bool, deadline time.Time) {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		w.fail("epoll: " + err.Error())
		return
	}
	defer syscall.Close(ep)
	byFd := map[int]*conn{}
	open := func() {
		fd, err := dial(sa)
		if err != nil {
			w.fail("connect: " + err.Error())
			time.Sleep(10 * time.Millisecond)
			return
		}
		c := &conn{fd: fd, buf: make([]byte, 0, 64<<10)}
		byFd[fd] = c
		syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)})
		if _, err := syscall.Write(fd, request); err != nil {
			w.drop(ep, byFd, c, "write: "+err.Error())
		}
	}
	for i := 0; i < n; i++ {
		open()
	}
	events := make([]syscall.EpollEvent, n)
	chunk := make([]byte, 256<<10)
	for time.Now().Before(deadline) {
		for len(byFd) < n && time.Now().Before(deadline) {
			open()
		}
		k, err := syscall.EpollWait(ep, events, 100)
		if err != nil && err != syscall.EINTR {
			w.fail("epoll_wait: " + err.Error())
			return
		}
		if k < 0 {
			k = 0
		}
		for _, e := range events[:k] {
			c := byFd[int(e.Fd)]
			if c == nil {
				continue
			}
			r, err := syscall.Read(c.fd, chunk)
			if err == syscall.EAGAIN || err == syscall.EINTR {
				continue
			}
			if err != nil || r == 0 {
				w.drop(ep, byFd, c, fmt.Sprintf("read: closed by server (%v)", err))
				continue
			}
			c.buf = append(c.buf, chunk[:r]...)
			status, done, bad := answer(c.buf, get)
			if bad != "" {
				w.drop(ep, byFd, c, bad)
				continue
			}
			if !done {
				continue
			}
			c.buf = c.buf[:0]
			if status == 200 {
				w.ok++
			} else {
				w.fail("status " + strconv.Itoa(status))
			}
			if time.Now().Before(deadline) {
				if _, err := syscall.Write(c.fd, request); err != nil {
					w.drop(ep, byFd, c, "write: "+err.Error())
				}
			}
		}
	}
	for _, c := range byFd {
		syscall.Close(c.fd)
	}
}

func (w *worker) drop(ep int, byFd map[int]*conn, c *conn, reason string) {
	w.fail(reason)
	syscall.EpollCtl(ep, syscall.EPOLL_CTL_DEL, c.fd, nil)
	syscall.Close(c.fd)
	delete(byFd, c.fd)
}

// answer looks at the bytes of one answer read so far: done once the header block (and for a GET the
// Content-Length bytes after it) are all there; a HEAD answer has no body whatever its Content-Length says.
func answer(b []byte, get bool) (status int, done bool, bad string) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) > 64<<10 {
			return 0, false, "header block over 64 KiB"
		}
		return 0, false, ""
	}
	head := string(b[:end])
	lines := strings.Split(head, "\r\n")
	f := strings.Fields(lines[0])
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/1.") {
		return 0, false, "bad status line " + strconv.Quote(lines[0])
	}
	status, err := strconv.Atoi(f[1])
	if err != nil {
		return 0, false, "bad status line " + strconv.Quote(lines[0])
	}
	length := 0
	for _, h := range lines[1:] {
		if name, value, ok := strings.Cut(h, ":"); ok && strings.EqualFold(name, "Content-Length") {
			length, _ = strconv.Atoi(strings.TrimSpace(value))
		}
	}
	want := end + 4
	if get {
		want += length
	}
	if len(b) < want {
		return 0, false, ""
	}
	if len(b) > want {
		return 0, false, "bytes after the answer (one request was in flight)"
	}
	return status, true, ""
}

func dial(sa *syscall.SockaddrInet4) (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := syscall.Connect(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

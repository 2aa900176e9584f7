// headload: a HEAD load generator for bench.sh, because wrk 4.1 cannot measure HEAD (after a HEAD answer it waits
// for the body its Content-Length announces). Like wrk it keeps C HTTP/1.1 keep-alive connections busy, one request
// in flight each, writing requests and reading answers on raw sockets so that the generator costs little CPU.
//
//	go build -o headload headload.go
//	headload -c 32 -d 10s -H 'Accept: ...' http://127.0.0.1:18493/v2/library/blob1m/manifests/1
//
// Prints "N requests in Ds, R req/s, F failed" (failed: a status other than 200, or a broken connection, which
// is then reopened). Exits 1 when nothing succeeded.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	conns := flag.Int("c", 32, "connections")
	duration := flag.Duration("d", 10*time.Second, "measured time")
	var extra headers
	flag.Var(&extra, "H", "request header line (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: headload [-c N] [-d 10s] [-H 'Name: value']... http://host:port/path")
		os.Exit(2)
	}
	u, err := url.Parse(flag.Arg(0))
	if err != nil || u.Scheme != "http" {
		fmt.Fprintln(os.Stderr, "headload: need an http:// URL")
		os.Exit(2)
	}
	var req strings.Builder
	fmt.Fprintf(&req, "HEAD %s HTTP/1.1\r\nHost: %s\r\n", u.RequestURI(), u.Host)
	for _, h := range extra {
		req.WriteString(h + "\r\n")
	}
	req.WriteString("\r\n")
	request := []byte(req.String())

	var ok, failed atomic.Int64
	deadline := time.Now().Add(*duration)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < *conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				c, err := net.Dial("tcp", u.Host)
				if err != nil {
					failed.Add(1)
					time.Sleep(10 * time.Millisecond)
					continue
				}
				r := bufio.NewReaderSize(c, 16<<10)
				for time.Now().Before(deadline) {
					if _, err := c.Write(request); err != nil {
						failed.Add(1)
						break
					}
					status, err := readHead(r)
					if err != nil {
						failed.Add(1)
						break
					}
					if status == 200 {
						ok.Add(1)
					} else {
						failed.Add(1)
					}
				}
				c.Close()
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	fmt.Printf("%d requests in %.2fs, %.0f req/s, %d failed\n", ok.Load(), secs, float64(ok.Load())/secs, failed.Load())
	if ok.Load() == 0 {
		os.Exit(1)
	}
}

// readHead reads one answer to a HEAD request, status line and header lines up to the empty line (a HEAD answer has
// no body whatever its Content-Length says), and returns its status code.
func readHead(r *bufio.Reader) (int, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(line))
	status := 0
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/1.") {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	if _, err := fmt.Sscanf(f[1], "%d", &status); err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(line) <= 2 && strings.TrimRight(string(line), "\r\n") == "" {
			return status, nil
		}
	}
}

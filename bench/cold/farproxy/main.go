// farproxy relays TCP connections to another address with a fixed delay on every byte in each direction, so that
// a loopback server stands for a far one (RTT = 2 x delay) without touching the kernel's queues (tc netem needs a
// module containers rarely have). Bandwidth is not limited. By hand only: bench/cold/bench.sh --upstream-delay.
//
//	go run ./bench/cold/farproxy -listen 127.0.0.1:18591 -to 127.0.0.1:18581 -delay 10ms
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"time"
)

type chunk struct {
	b  []byte
	at time.Time
}

// pipe copies src to dst, each read released delay after it arrived, in order; done is closed once all is written.
func pipe(dst, src net.Conn, delay time.Duration, done chan<- struct{}) {
	queue := make(chan chunk, 4096)
	go func() {
		defer close(done)
		for c := range queue {
			time.Sleep(time.Until(c.at))
			if _, err := dst.Write(c.b); err != nil {
				break
			}
		}
		if t, ok := dst.(*net.TCPConn); ok {
			t.CloseWrite()
		}
		for range queue {
		}
	}()
	for {
		buf := make([]byte, 64<<10)
		n, err := src.Read(buf)
		if n > 0 {
			queue <- chunk{buf[:n], time.Now().Add(delay)}
		}
		if err != nil {
			if err != io.EOF {
				log.Print(err)
			}
			close(queue)
			return
		}
	}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:18591", "address to listen on")
	to := flag.String("to", "127.0.0.1:18581", "address to relay to")
	delay := flag.Duration("delay", 10*time.Millisecond, "delay in each direction")
	flag.Parse()
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := l.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func(c net.Conn) {
			u, err := net.Dial("tcp", *to)
			if err != nil {
				log.Print(err)
				c.Close()
				return
			}
			time.Sleep(*delay) // the connection's set-up, one way
			up, down := make(chan struct{}), make(chan struct{})
			go pipe(u, c, *delay, up)
			go pipe(c, u, *delay, down)
			<-up
			<-down
			c.Close()
			u.Close()
		}(c)
	}
}

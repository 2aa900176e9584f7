// pulls: N clients GET one URL at the same moment, each on its own connection, and check every body's length and
// SHA-256 (the bench's "every client correct"). Prints one line:
//
//	clients N wall S s first S s median S s last S s bytes B failed F
//
// wall is from the start signal to the last body's end; first/median/last are the clients' own times.
//
//	usage: go run pulls.go -n 100 -sha256 HEX -size BYTES URL
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"
)

func main() {
	n := flag.Int("n", 100, "clients")
	want := flag.String("sha256", "", "expected SHA-256 of the body, hex")
	size := flag.Int64("size", -1, "expected length of the body")
	flag.Parse()
	if flag.NArg() != 1 || *want == "" {
		fmt.Fprintln(os.Stderr, "usage: pulls -n N -sha256 HEX [-size BYTES] URL")
		os.Exit(2)
	}
	url := flag.Arg(0)
	times := make([]float64, *n)
	var failed int
	var total int64
	var mu sync.Mutex
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < *n; i++ {
		ready.Add(1)
		done.Add(1)
		go func(i int) {
			defer done.Done()
			// A transport each: one connection per client, as separate pullers would have.
			client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1}}
			req, _ := http.NewRequest("GET", url, nil)
			ready.Done()
			<-start
			t0 := time.Now()
			err := func() error {
				resp, err := client.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				if resp.StatusCode != 200 {
					return fmt.Errorf("status %d", resp.StatusCode)
				}
				h := sha256.New()
				got, err := io.CopyBuffer(h, resp.Body, make([]byte, 256<<10))
				if err != nil {
					return err
				}
				mu.Lock()
				total += got
				mu.Unlock()
				if *size >= 0 && got != *size {
					return fmt.Errorf("%d bytes, want %d", got, *size)
				}
				if sum := hex.EncodeToString(h.Sum(nil)); sum != *want {
					return fmt.Errorf("sha256 %s, want %s", sum, *want)
				}
				return nil
			}()
			times[i] = time.Since(t0).Seconds()
			if err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
				fmt.Fprintf(os.Stderr, "client %d: %v\n", i, err)
			}
		}(i)
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	wall := time.Since(t0).Seconds()
	sort.Float64s(times)
	fmt.Printf("clients %d wall %.2f s first %.2f s median %.2f s last %.2f s bytes %d failed %d\n",
		*n, wall, times[0], times[len(times)/2], times[len(times)-1], total, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

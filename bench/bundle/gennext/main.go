// gennext publishes "version N+1" of every module of the fixture corpus, beside it, the way a real release looks:
// N is the module's highest version; N+1 is N's release (N without its pre-release or pseudo-version suffix) when N
// has one, else N with its patch number raised (+incompatible kept). The zip is N's zip with every path renamed to
// module@N+1/ and a line inserted in the middle of up to three .go files; every other entry's compressed bytes
// are copied as they are (what the go command's zip writer produces for unchanged files anyway), so what differs
// between N and N+1 is what differs in a real release: the edited files, and the entry headers naming the version.
//
//	go run . FIXTURE_PROXY_DIR OUT_DIR   (writes OUT_DIR/<escaped module>/@v/N+1.{zip,mod,info} and prints a plan)
//
// The plan, one line per module in sorted order: "<index> <module> <N> <N+1> <zip bytes of N+1>".
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gennext FIXTURE_PROXY_DIR OUT_DIR")
		os.Exit(2)
	}
	proxy, out := os.Args[1], os.Args[2]
	versions := map[string][]string{}
	f, err := os.Open(filepath.Join(proxy, "_meta", "modules.txt"))
	check(err)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		versions[fields[0]] = append(versions[fields[0]], fields[1])
	}
	check(sc.Err())
	f.Close()
	var modules []string
	for m := range versions {
		modules = append(modules, m)
	}
	sort.Strings(modules)
	for i, m := range modules {
		vs := versions[m]
		sort.Slice(vs, func(a, b int) bool { return compare(vs[a], vs[b]) < 0 })
		n := vs[len(vs)-1]
		next := bump(n)
		size := publish(proxy, out, m, n, next)
		fmt.Printf("%d %s %s %s %d\n", i, m, n, next, size)
	}
}

// publish writes module@next's .zip, .mod and .info into out; returns the zip's size.
func publish(proxy, out, module, n, next string) int64 {
	dir := filepath.Join(out, escape(module), "@v")
	check(os.MkdirAll(dir, 0o755))
	src := filepath.Join(proxy, escape(module), "@v")
	mod, err := os.ReadFile(filepath.Join(src, n+".mod"))
	check(err)
	check(os.WriteFile(filepath.Join(dir, next+".mod"), mod, 0o644))
	info := fmt.Sprintf("{\"Version\":%q,\"Time\":\"2023-06-01T12:00:00Z\"}\n", next)
	check(os.WriteFile(filepath.Join(dir, next+".info"), []byte(info), 0o644))

	r, err := zip.OpenReader(filepath.Join(src, n+".zip"))
	check(err)
	defer r.Close()
	edit := chooseEdits(r.File)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	oldPrefix, newPrefix := module+"@"+n+"/", module+"@"+next+"/"
	for _, zf := range r.File {
		if !strings.HasPrefix(zf.Name, oldPrefix) {
			panic("entry outside " + oldPrefix + ": " + zf.Name)
		}
		h := zf.FileHeader
		h.Name = newPrefix + strings.TrimPrefix(zf.Name, oldPrefix)
		if edit[zf.Name] {
			rc, err := zf.Open()
			check(err)
			body, err := io.ReadAll(rc)
			check(err)
			rc.Close()
			h.CompressedSize64, h.UncompressedSize64, h.CRC32 = 0, 0, 0
			fw, err := w.CreateHeader(&h)
			check(err)
			_, err = fw.Write(insertLine(body, next))
			check(err)
			continue
		}
		raw, err := zf.OpenRaw()
		check(err)
		fw, err := w.CreateRaw(&h)
		check(err)
		_, err = io.Copy(fw, raw)
		check(err)
	}
	check(w.Close())
	check(os.WriteFile(filepath.Join(dir, next+".zip"), buf.Bytes(), 0o644))
	return int64(buf.Len())
}

// chooseEdits picks up to three .go files (not tests): the first, the middle and the last by name.
func chooseEdits(files []*zip.File) map[string]bool {
	var gos []string
	for _, f := range files {
		if strings.HasSuffix(f.Name, ".go") && !strings.HasSuffix(f.Name, "_test.go") && !strings.Contains(f.Name, "/testdata/") {
			gos = append(gos, f.Name)
		}
	}
	sort.Strings(gos)
	picked := map[string]bool{}
	if len(gos) > 0 {
		picked[gos[0]] = true
		picked[gos[len(gos)/2]] = true
		picked[gos[len(gos)-1]] = true
	}
	return picked
}

// insertLine adds a comment line after the middle line of a file, as a small fix in a release would.
func insertLine(body []byte, version string) []byte {
	lines := bytes.SplitAfter(body, []byte("\n"))
	mid := len(lines) / 2
	var out bytes.Buffer
	for i, l := range lines {
		out.Write(l)
		if i == mid {
			if len(l) > 0 && l[len(l)-1] != '\n' {
				out.WriteByte('\n')
			}
			fmt.Fprintf(&out, "// Changed in %s.\n", version)
		}
	}
	return out.Bytes()
}

// escape is the module proxy's case encoding: an upper-case letter becomes '!' and its lower case.
func escape(path string) string {
	var b strings.Builder
	for _, r := range path {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			b.WriteRune(r + ('a' - 'A'))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// bump: N's release when N is a pre-release or pseudo-version, else the next patch; +incompatible kept.
func bump(v string) string {
	build := ""
	if i := strings.Index(v, "+"); i >= 0 {
		v, build = v[:i], v[i:]
	}
	if i := strings.Index(v, "-"); i >= 0 {
		return v[:i] + build
	}
	parts := strings.Split(strings.TrimPrefix(v, "v"), ".")
	patch, err := strconv.Atoi(parts[2])
	check(err)
	return fmt.Sprintf("v%s.%s.%d%s", parts[0], parts[1], patch+1, build)
}

// compare orders semantic versions (build metadata ignored, a pre-release below its release).
func compare(a, b string) int {
	a, b = strings.SplitN(a, "+", 2)[0], strings.SplitN(b, "+", 2)[0]
	ac, ap, _ := strings.Cut(strings.TrimPrefix(a, "v"), "-")
	bc, bp, _ := strings.Cut(strings.TrimPrefix(b, "v"), "-")
	an, bn := strings.Split(ac, "."), strings.Split(bc, ".")
	for i := 0; i < 3; i++ {
		x, _ := strconv.Atoi(an[i])
		y, _ := strconv.Atoi(bn[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	switch {
	case ap == bp:
		return 0
	case ap == "":
		return 1
	case bp == "":
		return -1
	}
	return comparePre(ap, bp)
}

func comparePre(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, xerr := strconv.Atoi(as[i])
		y, yerr := strconv.Atoi(bs[i])
		switch {
		case xerr == nil && yerr == nil:
			if x != y {
				if x < y {
					return -1
				}
				return 1
			}
		case xerr == nil:
			return -1
		case yerr == nil:
			return 1
		default:
			if c := strings.Compare(as[i], bs[i]); c != 0 {
				return c
			}
		}
	}
	return len(as) - len(bs)
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}

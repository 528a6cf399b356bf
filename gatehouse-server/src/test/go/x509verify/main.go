// x509verify runs Go's crypto/x509 Certificate.Verify, the verifier Temporal's frontend runs, over the certificate
// cases PathValidatorDifferentialTest writes, so the test can compare Gatehouse's verdicts with Go's.
//
// Usage: x509verify <dir>. Every subdirectory of dir is one case: roots.pem (trusted CAs), chain.pem (the leaf, then
// whatever the peer sends with it) and case.txt (lines "time=<RFC 3339>", "usage=client|server", "dns=<name>").
// One line per case is printed: "<case>\tok" or "<case>\terror\t<message>".
package main

import (
	"bufio"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func certificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %v", filepath.Base(path), err)
		}
		out = append(out, c)
	}
	return out, nil
}

func settings(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), "="); ok {
			out[k] = v
		}
	}
	return out, s.Err()
}

func verify(dir string) error {
	conf, err := settings(filepath.Join(dir, "case.txt"))
	if err != nil {
		return err
	}
	roots, err := certificates(filepath.Join(dir, "roots.pem"))
	if err != nil {
		return err
	}
	chain, err := certificates(filepath.Join(dir, "chain.pem"))
	if err != nil {
		return err
	}
	if len(chain) == 0 {
		return errors.New("no leaf")
	}
	now, err := time.Parse(time.RFC3339, conf["time"])
	if err != nil {
		return err
	}
	opts := x509.VerifyOptions{
		Roots:         x509.NewCertPool(),
		Intermediates: x509.NewCertPool(),
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if conf["usage"] == "server" {
		opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		opts.DNSName = conf["dns"]
	}
	for _, r := range roots {
		opts.Roots.AddCert(r)
	}
	for _, i := range chain[1:] {
		opts.Intermediates.AddCert(i)
	}
	_, err = chain[0].Verify(opts)
	return err
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: x509verify <dir>")
		os.Exit(2)
	}
	entries, err := os.ReadDir(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		if err := verify(filepath.Join(os.Args[1], name)); err != nil {
			fmt.Printf("%s\terror\t%s\n", name, strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Printf("%s\tok\n", name)
		}
	}
}

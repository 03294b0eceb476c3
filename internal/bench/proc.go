package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// ReadMachine describes this machine from /proc (Linux); what it cannot
// read stays empty.
func ReadMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.CPU = v
	}
	if kb := procKB("/proc/meminfo", "MemTotal"); kb > 0 {
		m.MemGiB = round(float64(kb)/(1<<20), 1)
	}
	return m
}

// procField returns the value of the first "key: value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// procKB reads a "Key:   1234 kB" field; 0 when absent.
func procKB(path, key string) int64 {
	v := strings.TrimSuffix(procField(path, key), " kB")
	n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n
}

// RSS returns a process's resident memory and its peak (VmRSS, VmHWM) in MB.
func RSS(pid int) (rss, peak float64) {
	status := fmt.Sprintf("/proc/%d/status", pid)
	return round(float64(procKB(status, "VmRSS"))/1024, 1), round(float64(procKB(status, "VmHWM"))/1024, 1)
}

// ResetPeak sets a process's VmHWM back to its current resident memory
// (writing 5 to /proc/PID/clear_refs, Linux 4.0+), so that the next peak
// read is the peak of what ran in between.
func ResetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

#!/usr/bin/env python3
"""The hostile-peer soak's runner (started by benchmarks/soak.sh inside a private network namespace).

For each backend and scenario: start the server (the examples' echo-server or relay) as its own JVM with a bounded
heap and direct memory, let the peers of benchmarks/soak/peers.py loose on it, measure the server (RSS, heap
after a full GC, direct memory, descriptors), check that it still serves, stop it, and record how it ended.
Results go to benchmarks/target/soak/results-<mode>.json and, unless --no-report, docs/reliability.md.
Exit status 1 when any run lost a byte, left the server dead or not serving, or leaked descriptors.
"""
import argparse
import datetime
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PEERS = os.path.join(HERE, "peers.py")
MAX_DIRECT = "256m"  # the server's direct memory limit; --max-direct changes it for a narrowed look
JVM_FLAGS = ["-Xmx256m", "-XX:MaxDirectMemorySize=" + MAX_DIRECT, "-XX:NativeMemoryTracking=summary"]
PORT = 7000
UPSTREAM_PORT = 7001
KEEP_OPEN = "10m"  # idle timeout of the data scenarios: longer than any phase (see the report's text)

MODES = {
    # backends, phase seconds, and the counts that differ between a quick look and a longer soak
    "quick": dict(backends=["epoll", "nio", "poll"], seconds=12, tiny=4, tls=4, bombs=2, rst=5000, rst_tls=1000,
                  idle=10000, silent=500, trickle=100),
    "full": dict(backends=["epoll", "nio", "poll"], seconds=60, tiny=4, tls=8, bombs=4, rst=20000, rst_tls=5000,
                 idle=10000, silent=2000, trickle=200),
}

STRICT = False
STARTED = []  # every process this runner started, killed by pid on exit


def log(msg):
    print("[soak %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def start(cmd, **kw):
    p = subprocess.Popen(cmd, **kw)
    STARTED.append(p)
    return p


def cleanup():
    for p in STARTED:
        if p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass


# ------------------------------------------------------------------------------------------------ the server

class Server:
    """One server JVM under test, sampled every 250 ms while it runs."""

    def __init__(self, work, name, args):
        self.log_path = os.path.join(work, name + ".log")
        self.logf = open(self.log_path, "w")
        cmd = ["java"] + JVM_FLAGS + ["-jar", os.path.join(ROOT, "examples/target/jevent-examples.jar")] + args
        self.cmd = cmd
        self.t0 = time.monotonic()
        self.proc = start(cmd, stdout=self.logf, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        self.peak_rss = 0
        self.died_at = None
        self.stop_sampling = False
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()

    def _sample(self):
        while not self.stop_sampling and self.alive():
            rss = self.rss()
            if rss is not None:
                self.peak_rss = max(self.peak_rss, rss)
            time.sleep(0.25)

    def alive(self):
        """Whether the process runs; the first caller to see it gone records when (within 250 ms)."""
        if self.proc.poll() is None:
            return True
        if self.died_at is None:
            self.died_at = time.monotonic()
        return False

    def status(self, key):
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith(key + ":"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            return None
        return None

    def rss(self):
        return self.status("VmRSS")

    def fds(self):
        try:
            return len(os.listdir("/proc/%d/fd" % self.pid))
        except OSError:
            return None

    def jcmd(self, *args):
        try:
            r = subprocess.run(["jcmd", str(self.pid)] + list(args), capture_output=True, text=True, timeout=60)
            return r.stdout
        except (subprocess.TimeoutExpired, OSError):
            return ""

    def measure(self, gc=True):
        """RSS, heap used after a full GC, direct memory (NMT "Other") and descriptors, now."""
        if not self.alive():
            return None
        if gc:
            self.jcmd("GC.run")
        heap = re.search(r"used (\d+)K", self.jcmd("GC.heap_info"))
        other = re.search(r"-\s+Other \(reserved=\d+KB, committed=(\d+)KB\)", self.jcmd("VM.native_memory", "summary"))
        return {"rss": self.rss(), "heap": int(heap.group(1)) * 1024 if heap else None,
                "direct": int(other.group(1)) * 1024 if other else None, "fds": self.fds()}

    def wait_listening(self, port, limit=30):
        end = time.monotonic() + limit
        while time.monotonic() < end and self.alive():
            with open(self.log_path) as f:
                if re.search(r"^(echo server|relay) on ", f.read(), re.M):
                    return True
            time.sleep(0.1)
        return False

    def stop(self):
        """SIGTERM (the examples close every connection and exit 0), then SIGKILL after 15 s."""
        self.stop_sampling = True
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                return "did not exit within 15 s of SIGTERM (killed)"
        self.logf.close()
        return None

    def cause(self):
        """The first line of the server's log that says why it failed, if any."""
        with open(self.log_path, errors="replace") as f:
            for line in f:
                if re.search(r"Exception in thread|OutOfMemoryError|^\S*Error|FATAL|SIGSEGV|^\s*Caused by", line):
                    return line.strip()[:240]
        return None


# ------------------------------------------------------------------------------------------------- the peers

def peer(args, stdin=None):
    """Starts peers.py with args; returns the Popen (read its result with result())."""
    return start([sys.executable, PEERS] + args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                 text=True)


def result(p, timeout):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return {"peer": "?", "lost": 0, "sent": 0, "verified": 0, "errors": ["peer timed out after %d s" % timeout],
                "hung": True}
    for line in reversed(out.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {"peer": "?", "lost": 0, "sent": 0, "verified": 0,
            "errors": ["peer exited %s without a result: %s" % (p.returncode, err.strip()[-300:])], "crashed": True}


def wait_port(port, limit=15):
    """Until something accepts on port (a peer server we started)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def probe(extra):
    return result(peer(["probe", "--port", str(PORT)] + extra), 40)


# --------------------------------------------------------------------------------------------- the scenarios
# Each returns (hostile connection count, [peer results]); it calls measure() once, at the end of its hostile
# phase, while the peers still hold what they made the server hold.

def sc_tiny_writer(ctx):
    n, s = ctx.m["tiny"], ctx.m["seconds"]
    drain = max(120, 3 * s)  # a flow the kernel let collapse needs its retransmission back-off to run out first
    p = peer(["tiny-writer", "--port", str(PORT), "--conns", str(n), "--seconds", str(s), "--drain", str(drain)])
    ctx.sleep_until_phase_end(s)
    ctx.measure()
    r = result(p, s + drain + 60)
    return n + r.get("replaced", 0), [r]


def sc_tls_echo(ctx):
    n, s = ctx.m["tls"], ctx.m["seconds"]
    p = peer(["tls-echo", "--port", str(PORT), "--conns", str(n), "--seconds", str(s), "--ca", ctx.cert])
    ctx.sleep_until_phase_end(s)
    ctx.measure()
    return n, [result(p, s + 180)]


def sc_zlib_bomb(ctx):
    n, s = ctx.m["bombs"], ctx.m["seconds"]
    bombs = peer(["zlib-bomb", "--port", str(PORT), "--conns", str(n), "--seconds", str(s)])
    legit = peer(["zlib-echo", "--port", str(PORT), "--seconds", str(s)])
    ctx.sleep_until_phase_end(s)
    ctx.measure()
    return n, [result(bombs, s + 60), result(legit, s + 180)]


def sc_rst_storm(ctx, total, tls):
    s = ctx.m["seconds"]
    extra = ["--ca", ctx.cert] if tls else []
    storm = peer(["rst-storm", "--port", str(PORT), "--total", str(total), "--concurrency", "200",
                  "--limit", str(max(60, s * 3))] + extra)
    if tls:
        canary = peer(["tls-echo", "--port", str(PORT), "--conns", "1", "--seconds", str(s), "--chunk", "4096",
                       "--window", "16384", "--ca", ctx.cert])
    else:
        canary = peer(["canary", "--port", str(PORT), "--seconds", str(s)])
    r_storm = result(storm, max(60, s * 3) + 30)
    ctx.measure()
    return total, [r_storm, result(canary, s + 60)]


def sc_idle(ctx):
    n = ctx.m["idle"]
    p = peer(["idle", "--port", str(PORT), "--conns", str(n), "--limit", "120"], stdin=subprocess.PIPE)
    line = p.stdout.readline()  # "connected N"
    if not line.startswith("connected"):
        return n, [result(p, 10)]
    ctx.note("%s of %d" % (line.strip(), n))
    ctx.measure()
    p.stdin.write("verify\n")
    p.stdin.flush()
    first = p.stdout.readline()
    p.stdin.write("close\n")
    p.stdin.flush()
    try:
        p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()
    try:
        return n, [json.loads(first)]
    except ValueError:
        return n, [{"peer": "idle", "lost": 0, "sent": 0, "verified": 0, "errors": ["no result: %r" % first]}]


def sc_half_open(ctx):
    silent, trickle = ctx.m["silent"], ctx.m["trickle"]
    p = peer(["half-open", "--port", str(PORT), "--silent", str(silent), "--trickle", str(trickle), "--ca",
              ctx.cert, "--limit", "30"])
    time.sleep(1.5)  # every connection open, none past the 2 s handshake timeout yet
    ctx.measure(gc=False)
    r = result(p, 90)
    if r.get("still_open"):
        r.setdefault("errors", []).append("the server did not cut %d half-open handshake(s)" % r["still_open"])
        r["failed"] = True
    return silent + trickle, [r]


def sc_relay_tiny_writer(ctx):
    return sc_tiny_writer(ctx)


KIB, MIB = 1 << 10, 1 << 20
# Memory a run may keep beyond conns x budget: the segment pool's cache (1024 shared + 64 per thread, 16 KiB each:
# about 17 MiB) and heap noise. Budgets are for heap + direct memory after a full GC, per hostile connection.
SLACK = 24 * MIB

SCENARIOS = [
    dict(name="tiny-writer", server=lambda c: ["echo-server", "--idle-timeout", KEEP_OPEN], probe=lambda c: [],
         run=sc_tiny_writer, budget=2 * MIB,
         text="{tiny} connections write 1 byte per `send()` (Nagle on) as fast as the server takes them and never"
              " read, for {seconds} s; a connection that cannot send for a second is left open as it is and a fresh"
              " one takes its place, up to 4 × {tiny} (with 16 KiB buffers the kernel sometimes lets such a flow"
              " collapse into retransmission back-off by itself). Then they stop, read everything back, half-close"
              " and read to EOF. Budget 2 MiB a connection: the 1 MiB high watermark plus one 128 KiB read, with"
              " room to spare."),
    dict(name="relay-tiny-writer", server=None, probe=lambda c: [], run=sc_relay_tiny_writer, budget=3 * MIB,
         text="The same {tiny} tiny writers through `relay` to a Python echo upstream: the relay is the JVM measured"
              " (budget 3 MiB a session: a high watermark each way)."),
    dict(name="tls-echo-64k", server=lambda c: ["echo-server", "--idle-timeout", KEEP_OPEN, "--tls", c.cert, c.key],
         probe=lambda c: ["--ca", c.cert], run=sc_tls_echo, budget=6 * MIB,
         text="{tls} TLS 1.3 connections (Python `ssl`) each write 64 KiB at a time and read the echo back with at"
              " most 256 KiB in flight, for {seconds} s; then close_notify both ways (budget 6 MiB: the top's"
              " watermark, 256 KiB each way in the layers below, the engine's own state)."),
    dict(name="zlib-bomb", server=lambda c: ["echo-server", "--idle-timeout", KEEP_OPEN, "--zlib"],
         probe=lambda c: ["--zlib"], run=sc_zlib_bomb, budget=8 * MIB,
         text="{bombs} connections send a deflate stream of zeros (about 1000:1, sync-flushed every MiB) and never"
              " read; meanwhile one honest client sends whole streams of 2.2 MB of log-like text plus 100 KB of random"
              " bytes (zlib, sync-flushed per 64 KiB) and checks the echo; {seconds} s. Budget 8 MiB a bomb: the"
              " zlib layer is the top, so its output holds the 1 MiB high watermark plus what one read callback"
              " brings, up to the 4 MiB that zlib lets wait inflated (`ZlibOptions.maxBuffered`, the top's read high"
              " watermark), and the socket below at most 256 KiB of compressed bytes each way: 5.5 MiB of full"
              " segments."),
    dict(name="rst-storm", server=lambda c: ["echo-server", "--idle-timeout", KEEP_OPEN], probe=lambda c: [],
         run=lambda c: sc_rst_storm(c, c.m["rst"], False), budget=0,
         text="{rst:,} connections, 200 at a time, each cut with SO_LINGER 0 (a reset) right after connecting, after"
              " sending up to 64 KiB, or after reading part of the echo; one checked echo connection runs alongside."
              " Measured after the storm, when every connection is gone: the budget is 0 a connection."),
    dict(name="rst-storm-tls", server=lambda c: ["echo-server", "--idle-timeout", KEEP_OPEN, "--tls", c.cert, c.key],
         probe=lambda c: ["--ca", c.cert], run=lambda c: sc_rst_storm(c, c.m["rst_tls"], True), budget=0,
         text="{rst_tls:,} TLS connections, 200 at a time, reset right after connecting, after their ClientHello, or"
              " after part of the server's answer (mid-handshake); one checked TLS echo connection runs alongside;"
              " measured after the storm (budget 0)."),
    dict(name="idle-10k", server=lambda c: ["echo-server", "--idle-timeout", KEEP_OPEN], probe=lambda c: [],
         run=sc_idle, budget=16 * KIB,
         text="{idle:,} connections open and silent (measured once all are accepted); then 16 bytes echoed on each,"
              " checked; then closed (budget 16 KiB a connection)."),
    dict(name="half-open-tls", server=lambda c: ["echo-server", "--tls", c.cert, c.key, "--handshake-timeout", "2s"],
         probe=lambda c: ["--ca", c.cert], run=sc_half_open, budget=64 * KIB,
         text="{silent:,} TCP connections to the TLS server that never send a ClientHello, and {trickle:,} that send a"
              " real one a byte every 250 ms; the server (handshake timeout 2 s, default idle timeout) must cut them"
              " all (measured 1.5 s in, while they are open; budget 64 KiB a handshake)."),
]


class Ctx:
    def __init__(self, mode, work, cert, key):
        self.m = MODES[mode]
        self.mode = mode
        self.work = work
        self.cert = cert
        self.key = key
        self.server = None
        self.phase_start = None
        self.loaded = None
        self.notes = []

    def sleep_until_phase_end(self, seconds):
        time.sleep(max(0, self.phase_start + seconds - 2.5 - time.monotonic()))

    def measure(self, gc=True):
        self.loaded = self.server.measure(gc)

    def note(self, s):
        self.notes.append(s)


def run_one(ctx, backend, sc):
    name, server_args, probe_args, fn = sc["name"], sc["server"], sc["probe"], sc["run"]
    log("%s on %s" % (name, backend))
    upstream = None
    if name.startswith("relay-"):
        upstream = start([sys.executable, PEERS, "upstream-echo", "--port", str(UPSTREAM_PORT)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(UPSTREAM_PORT)
        args = ["relay", "--listen", str(PORT), "--upstream", "127.0.0.1:%d" % UPSTREAM_PORT,
                "--idle-timeout", KEEP_OPEN]
    else:
        args = server_args(ctx) + ["--port", str(PORT)]
    args += ["--backend", backend]
    srv = Server(ctx.work, "%s-%s" % (name, backend), args)
    ctx.server = srv
    ctx.loaded = None
    ctx.notes = []
    rec = {"scenario": name, "backend": backend, "server": " ".join(args)}
    try:
        if not srv.wait_listening(PORT):
            rec.update(lived=False, outcome="did not start: " + (srv.cause() or "see " + srv.log_path))
            return rec
        warm = probe(probe_args(ctx))
        if warm.get("ok") and not probe_args(ctx):
            # a second of checked echo, so that the read and write paths are compiled before the hostile phase
            # (a cold server reads slowly at first, and with 16 KiB buffers the kernel then drops and backs off)
            warm = result(peer(["canary", "--port", str(PORT), "--seconds", "1"]), 30)
            warm["ok"] = not warm.get("errors") and warm.get("lost", 1) == 0
        if not warm.get("ok"):
            srv.stop()
            rec.update(lived=False, outcome="did not serve the warm-up echo: %s" % warm.get("errors"))
            return rec
        time.sleep(0.5)
        base = srv.measure()
        ctx.phase_start = time.monotonic()
        conns, peers = fn(ctx)
        elapsed = time.monotonic() - ctx.phase_start
        alive_after_peers = srv.alive()
        # descriptors back where they started? (connections the server still closes: wait up to 20 s)
        leaked = None
        if alive_after_peers and base:
            end = time.monotonic() + 20
            while time.monotonic() < end and (srv.fds() or 0) > base["fds"]:
                time.sleep(0.5)
            leaked = max(0, (srv.fds() or 0) - base["fds"]) if srv.alive() else None
        after = probe(probe_args(ctx)) if srv.alive() else None
        died_at = srv.died_at - ctx.phase_start if srv.died_at else None
        stop_problem = srv.stop()
        rc = srv.proc.returncode
        lived = alive_after_peers and after is not None and after.get("ok") and stop_problem is None and rc == 0
        if not alive_after_peers:
            outcome = "died %.1f s into the run: %s" % (died_at or elapsed, short_cause(srv.cause()) or "exit %s" % rc)
        elif after is None or not after.get("ok"):
            outcome = "stopped serving: %s" % ((after or {}).get("errors") or srv.cause())
        elif stop_problem:
            outcome = stop_problem
        elif rc != 0:
            outcome = "exit %s on SIGTERM: %s" % (rc, srv.cause())
        else:
            outcome = "lived"
        rec.update(conns=conns, seconds=round(elapsed, 1), base=base, loaded=ctx.loaded, peak_rss=srv.peak_rss,
                   peers=peers, warm_probe_ok=warm.get("ok"), lived=bool(lived), outcome=outcome,
                   fds_leaked=leaked, lost=sum(p.get("lost", 0) for p in peers),
                   sent=sum(p.get("sent", 0) for p in peers), notes=ctx.notes,
                   peer_failed=any(p.get("hung") or p.get("crashed") or p.get("failed") for p in peers),
                   budget=sc["budget"])
        rec["memory"], rec["memory_allowed"] = memory_use(rec)
        return rec
    finally:
        if srv.alive():
            srv.stop()
        if upstream is not None and upstream.poll() is None:
            upstream.kill()
            upstream.wait()


# ---------------------------------------------------------------------------------------------------- report

def mib(b):
    return "—" if b is None else "%.0f MiB" % (b / 1048576.0)


def per_conn(rec, key):
    """(value at the end of the hostile phase − value at start) / hostile connections; RSS: its peak instead."""
    b, l = rec.get("base"), rec.get("loaded")
    if key == "rss":
        l = {"rss": rec.get("peak_rss")}
    if not b or not l or b.get(key) is None or l.get(key) is None or not rec.get("conns"):
        return "—"
    v = (l[key] - b[key]) / rec["conns"]
    if abs(v) >= 1 << 20:
        return "%.1f MiB" % (v / 1048576.0)
    if abs(v) >= 1024:
        return "%.1f KiB" % (v / 1024.0)
    return "%d B" % v


def memory_use(rec):
    """(heap + direct kept at the end of the hostile phase, what today's budget for the scenario allows); None when
    not measured."""
    b, l = rec.get("base"), rec.get("loaded")
    if not b or not l or None in (b.get("heap"), b.get("direct"), l.get("heap"), l.get("direct")):
        return None, None
    budget = next(sc["budget"] for sc in SCENARIOS if sc["name"] == rec["scenario"])
    return (l["heap"] - b["heap"]) + (l["direct"] - b["direct"]), rec["conns"] * budget + SLACK


def over_budget(rec):
    return rec.get("memory") is not None and rec["memory"] > rec["memory_allowed"]


def failed(rec):
    return (not rec.get("lived") or rec.get("lost", 0) > 0 or (rec.get("fds_leaked") or 0) > 0
            or rec.get("peer_failed"))


def peer_note(rec):
    notes = list(rec.get("notes", []))
    for p in rec.get("peers", []):
        kind = p.get("peer")
        if kind == "tiny-writer":
            notes.append("%s 1-byte writes" % format(p.get("writes", 0), ","))
            if p.get("replaced"):
                notes.append("%d stalled connection(s) replaced" % p["replaced"])
        if kind in ("tiny-writer", "zlib-bomb") and p.get("cut_by_server"):
            notes.append("%d of %d hostile connection(s) cut by the server" % (p["cut_by_server"], p["conns"]))
        if kind == "zlib-bomb":
            offered = sum(b.get("plain_offered", 0) for b in p.get("bombs", []))
            notes.append("bombs offered %s inflated" % mib(offered))
        if kind == "zlib-echo":
            notes.append("honest zlib streams intact: %d of %d" % (p.get("streams_intact", 0), p.get("conns", 0)))
        if kind == "half-open":
            c = p.get("cut_after_s", {})
            notes.append("%d/%d cut, after %s–%s s" % (p.get("cut_by_server", 0), p.get("conns", 0),
                                                      c.get("min") and "%.1f" % c["min"],
                                                      c.get("max") and "%.1f" % c["max"]))
        if kind == "rst-storm" and p.get("unfinished"):
            notes.append("%d storm connection(s) unfinished" % p["unfinished"])
        if rec.get("lived"):  # after a death every peer reports the reset: the outcome says it all
            for e in p.get("errors", [])[:2]:
                notes.append("%s: %s" % (kind, e))
    return "; ".join(notes).replace("|", "/")


def short_cause(line):
    """An error line without the thread name and package: 'OutOfMemoryError: Cannot reserve ...'."""
    if not line:
        return line
    line = re.sub(r'^Exception in thread "[^"]*" ', "", line)
    return re.sub(r"^(?:[a-z_$][\w$]*\.)+", "", line)


def run_info():
    """Where and when: the commit, the JDK, the machine (kept in the results file for --report-from)."""
    git = lambda *a: subprocess.run(["git", "-C", ROOT] + list(a), capture_output=True, text=True).stdout.strip()
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "commit": git("rev-parse", "--short", "HEAD") + (" with uncommitted changes" if dirty else ""),
            "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
            "java": subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0],
            "cores": os.cpu_count(), "kernel": platform.release()}


def report(results, mode, path, elapsed, info):
    m = MODES[mode]
    for r in results:  # budgets as the scenarios define them now (a report rewritten with --report-from follows them)
        r["memory"], r["memory_allowed"] = memory_use(r)
    L = []
    L.append("# Reliability: the hostile-peer soak")
    L.append("")
    L.append("Generated by `benchmarks/soak.sh --%s%s` (do not edit the tables by hand: rerun the script) on %s,"
             " commit `%s` (%s), in %.0f s. Machine: %d cores, Linux %s, %s. Server JVM: `%s`. Loopback in a private"
             " network namespace with 16 KiB socket buffers (`net.ipv4.tcp_wmem`/`tcp_rmem` = `4096 16384 16384`),"
             " so that user-space buffering starts at once."
             % (mode, " --strict" if STRICT else "", info["date"], info["commit"], info["branch"], elapsed,
                info["cores"], info["kernel"], info["java"], " ".join(JVM_FLAGS)))
    L.append("")
    bad = [r for r in results if failed(r)]
    over = [r for r in results if over_budget(r)]
    # the verdict is the exit status's: with --strict a run over its budget fails the soak as well
    L.append("**Verdict: %s.** %d run(s), %d failed (a run fails when the server dies or stops serving, when a"
             " checked byte does not come back intact, or when descriptors are not released); %d kept more memory"
             " than its budget%s." % ("FAIL" if bad or (STRICT and over) else "PASS", len(results), len(bad),
                                      len(over), " (with `--strict`, a failure too)" if STRICT
                                      else " (a failure too with `--strict`)"))
    L.append("")
    L.append("| scenario | backend | server | bytes lost | RSS at start → peak | peak RSS / conn | heap / conn |"
             " direct / conn | kept / budget | fds leaked | notes |")
    L.append("|---|---|---|---:|---|---:|---:|---:|---|---:|---|")
    for r in results:
        lost = r.get("lost", 0)
        sent = r.get("sent", 0)
        lost_s = "0" if lost == 0 else "**%s** of %s" % (format(lost, ","), format(sent, ","))
        if sent == 0 and lost == 0:
            lost_s = "0 (nothing checked)" if r["scenario"] in ("half-open-tls",) else lost_s
        server = "lived" if r.get("lived") else "**%s**" % r.get("outcome", "?")
        base = r.get("base") or {}
        if r.get("memory") is None:
            kept = "—"
        else:
            kept = "%s / %s" % (mib(r["memory"]), mib(r["memory_allowed"]))
            kept = "**%s over**" % kept if over_budget(r) else kept
        L.append("| %s | %s | %s | %s | %s → %s | %s | %s | %s | %s | %s | %s |" % (
            r["scenario"], r["backend"], server.replace("|", "/"), lost_s, mib(base.get("rss")),
            mib(r.get("peak_rss")), per_conn(r, "rss"), per_conn(r, "heap"), per_conn(r, "direct"), kept,
            "—" if r.get("fds_leaked") is None else r["fds_leaked"], peer_note(r)))
    L.append("")
    L.append("Columns: *server* is `lived` when the process was still running, answered a fresh checked echo"
             " after the peers were done, and exited 0 on SIGTERM; otherwise how it ended (the first error line of"
             " its log). *bytes lost*: bytes the peers sent and verified that did not come back intact (every"
             " scenario's honest or hostile-but-checking peers). *RSS at start → peak*: the server's resident set"
             " after start-up and a warm-up echo, and the highest value sampled every 250 ms. *peak RSS / conn*: (peak"
             " − start) ÷ hostile connections. *heap / conn*, *direct / conn*: (value at the end of the hostile phase"
             " − value at start) ÷ hostile connections (— when the server was dead by then); heap is *used after a full GC*"
             " (`jcmd GC.run`, `GC.heap_info`), direct is NMT's `Other` (direct `ByteBuffer`s; JNA's native memory"
             " is not in it). *kept / budget*: heap + direct kept at the end of the hostile phase beyond the start, against"
             " the scenario's budget per hostile connection (below) plus %s for the segment pool's cache and heap"
             " noise. *fds leaked*: descriptors still open 20 s after the peers were done, beyond those at"
             " start. Raw data: `benchmarks/target/soak/results-%s.json`; server logs beside it." % (mib(SLACK), mode))
    L.append("")
    L.append("## Scenarios")
    L.append("")
    for sc in SCENARIOS:
        L.append("- **%s**: %s" % (sc["name"], sc["text"].format(**m)))
    L.append("")
    L.append("Every scenario runs once per backend (%s in this mode) against a fresh server JVM, after a warm-up"
             " echo (a second of checked echo for the plain servers, so the hot paths are compiled). The data scenarios"
             " start the server with `--idle-timeout %s`: the default 60 s idle timeout would end a peer that never"
             " reads after a minute, and the soak is about what a peer can make the server hold meanwhile."
             " `half-open-tls` checks the timeouts themselves." % (", ".join(m["backends"]), KEEP_OPEN))
    L.append("")
    L.append("## Reproduce")
    L.append("")
    L.append("```sh")
    L.append("benchmarks/soak.sh --quick                     # epoll, nio and poll, %d s phases: about 6 minutes"
             % MODES["quick"]["seconds"])
    L.append("benchmarks/soak.sh --full                      # %d s phases, larger counts: about 30 minutes"
             % MODES["full"]["seconds"])
    L.append("benchmarks/soak.sh --quick --strict            # runs over their memory budget fail too")
    L.append("benchmarks/soak.sh --quick --only tiny-writer --backends poll   # one scenario, one backend, no report")
    L.append("benchmarks/soak.sh --quick --only idle-10k --max-direct 32m     # less direct memory, no report")
    L.append("```")
    L.append("")
    L.append("It needs root (or unprivileged user namespaces: it then runs under `unshare -rn`), a JDK 17 with"
             " `jcmd`, Maven, python3 and openssl. `benchmarks/soak/peers.py` holds the peers (one command each,"
             " usable by hand against any server); `benchmarks/soak/soak.py` the scenarios and this report.")
    notes = os.path.join(HERE, "findings.md")
    if os.path.exists(notes):
        L.append("")
        with open(notes) as f:
            L.append(f.read().rstrip())
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=sorted(MODES), default="quick")
    ap.add_argument("--backends", help="comma-separated subset of epoll,nio,poll (default: the mode's)")
    ap.add_argument("--only", help="comma-separated scenario names")
    ap.add_argument("--no-report", action="store_true", help="do not write docs/reliability.md")
    ap.add_argument("--report", help="where to write the report (default docs/reliability.md; a run narrowed by"
                    " --only or --backends writes none unless asked)")
    ap.add_argument("--strict", action="store_true", help="a run over its memory budget fails the soak too")
    ap.add_argument("--report-from", metavar="FILE", help="only rewrite the report from a results file")
    ap.add_argument("--max-direct", metavar="SIZE", help="the server JVM's -XX:MaxDirectMemorySize (default %s);"
                    " a run with another limit writes no report unless asked" % MAX_DIRECT)
    a = ap.parse_args()
    global STRICT
    STRICT = a.strict
    partial = a.only or a.backends or (a.max_direct and a.max_direct != MAX_DIRECT)
    if a.max_direct:
        JVM_FLAGS[1] = "-XX:MaxDirectMemorySize=" + a.max_direct
    if a.report is None:
        a.report = os.path.join(ROOT, "docs", "reliability.md")
        if partial:
            a.no_report = True
    if a.report_from:
        with open(a.report_from) as f:
            saved = json.load(f)
        STRICT = a.strict or saved.get("strict", False)  # the run's own --strict decides, unless asked here
        report(saved["results"], saved["mode"], a.report, saved["elapsed"], saved["info"])
        log("wrote %s from %s" % (a.report, a.report_from))
        return 0
    names = [sc["name"] for sc in SCENARIOS]
    only = a.only.split(",") if a.only else names
    for n in only:
        if n not in names:
            ap.error("unknown scenario %s; choose from %s" % (n, ",".join(names)))
    backends = a.backends.split(",") if a.backends else MODES[a.mode]["backends"]
    work = os.path.join(ROOT, "benchmarks", "target", "soak")
    os.makedirs(work, exist_ok=True)
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True,
                       capture_output=True)
    ctx = Ctx(a.mode, work, cert, key)
    info = run_info()
    t0 = time.monotonic()
    results = []
    # a narrowed run keeps its results apart, so that the last whole run's file still rebuilds the report
    out_json = os.path.join(work, "results-%s%s.json" % (a.mode, "-partial" if partial else ""))
    for backend in backends:
        for sc in SCENARIOS:
            if sc["name"] not in only:
                continue
            rec = run_one(ctx, backend, sc)
            results.append(rec)
            log("  -> %s, lost %s, peak RSS %s, kept %s of %s%s" % (
                rec.get("outcome"), rec.get("lost"), mib(rec.get("peak_rss")), mib(rec.get("memory")),
                mib(rec.get("memory_allowed")), ", FAILED" if failed(rec) else ""))
            with open(out_json, "w") as f:
                json.dump({"mode": a.mode, "strict": STRICT, "info": info, "elapsed": time.monotonic() - t0,
                           "results": results}, f, indent=1)
    elapsed = time.monotonic() - t0
    if not a.no_report:
        report(results, a.mode, a.report, elapsed, info)
        log("wrote %s" % a.report)
    bad = [r for r in results if failed(r)]
    over = [r for r in results if over_budget(r)]
    log("%d run(s), %d failed, %d over their memory budget, %.0f s" % (len(results), len(bad), len(over), elapsed))
    return 1 if bad or (STRICT and over) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()

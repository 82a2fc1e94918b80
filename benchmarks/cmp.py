#!/usr/bin/env python3
"""The comparison runner behind benchmarks/run.sh: jevent against libevent, Netty and plain NIO, in one run.

run.sh builds everything (Maven, gcc), installs what is missing and then calls this script, which:
  * runs the in-process JMH benchmarks (LoopIterationBench, DispatchBench, NioDispatchBench, TimerBench and the
    extra include regexes, e.g. io.jevent.buffer.*Bench) and libevent's C ports of bench.c and of the timers;
  * starts one echo server process per system, all on 127.0.0.1, and drives them with the same C client
    (native/loadgen.c), interleaving the systems (A B C ... A B C ...) for every repetition; a system the machine
    cannot run (the server says SKIP <reason>) is reported as skipped with that reason;
  * counts the system calls per ping-pong round trip with strace;
  * opens N idle connections against each server and reads its heap (after System.gc()) and RSS;
  * writes docs/benchmarks.md and docs/img/*.png (gnuplot), and the raw results the report is made from to
    docs/benchmarks-results.json, unless --smoke (report.py); the notes at the end of the report are
    benchmarks/report-notes.md with every figure filled in from the run (notes.py).
`--report-from FILE` rewrites the report from saved results without running anything; `--check` regenerates it in
memory from docs/benchmarks-results.json and fails when docs/benchmarks.md differs or the notes hold a figure typed
by hand. Only the Python standard library is used. Every load loop is bounded in time; servers are killed on exit.
"""
import argparse
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts for the two modules below
from notes import NotesError, fmt  # noqa: E402
from report import (BENCH, JAVA_OPTS, MC_CONNS, MC_LOOPS, MC_PAIRS, WORK, check, log, machine,  # noqa: E402
                    write_report)

JAR = os.path.join(BENCH, 'target', 'benchmarks.jar')
NATIVE = os.path.join(BENCH, 'target', 'native')
PIDFILE = os.path.join(WORK, 'pids')
SYSTEMS = ['jevent-epoll', 'jevent-poll', 'jevent-nio', 'jevent-uring', 'netty-epoll', 'netty-uring', 'netty-nio',
           'plain-nio', 'libevent']

MODES = {
    # reps: repetitions of every interleaved workload; secs: one measured client run; warm: warm-up per server
    # smoke: the warm-up is shortened (timing is irrelevant there) to pay for the io_uring rows within CI's 2 minutes
    'smoke': dict(reps=1, pp_secs=0.5, stream_secs=0.5, warm=0.2, idle_n=200, strace_secs=0.5,
                  jmh=['-f', '1', '-wi', '0', '-i', '1', '-r', '100ms'], jmh_timers=['-r', '100ms'],
                  grid=[(100, 1, 100)], nio_pairs='pipe', levent_rounds=20, timers=(1000, 100),
                  loop_bench=True, loop_backends='epoll'),
    'quick': dict(reps=5, pp_secs=1.0, stream_secs=1.0, warm=1.0, idle_n=10000, strace_secs=1.0,
                  jmh=['-f', '1', '-wi', '2', '-w', '300ms', '-i', '5', '-r', '300ms'],
                  jmh_timers=['-r', '500ms'],
                  grid=[(100, 1, 100), (1000, 1, 100)], nio_pairs='pipe',
                  levent_rounds=200, timers=(100000, 10000), loop_bench=True),
    'full': dict(reps=10, pp_secs=3.0, stream_secs=3.0, warm=3.0, idle_n=10000, strace_secs=2.0,
                 jmh=['-f', '1', '-wi', '3', '-w', '1s', '-i', '10', '-r', '1s'], jmh_timers=[],
                 grid=[(p, a, w) for w in (100, 1000) for a in (1, 10) for p in (100, 1000)],
                 nio_pairs='pipe,tcp', levent_rounds=500, timers=(100000, 10000), loop_bench=True),
}

STARTED = []  # Popen objects to kill on exit
IGNORE_LOCK = False  # -Djmh.ignoreLock=true: run even while another JMH holds /tmp/jmh.lock (smoke: timing irrelevant)


def cleanup(*_):
    for p in STARTED:
        if p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass
    try:
        os.remove(PIDFILE)
    except OSError:
        pass


def on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


def remember(p):
    STARTED.append(p)
    with open(PIDFILE, 'a') as f:
        f.write('%d\n' % p.pid)
    return p


# ------------------------------------------------------------------------------------------------------ JMH

def jmh(name, includes, args, params=(), prof=True):
    """Runs JMH on the given include regexes; returns its JSON result list (empty on failure)."""
    out = os.path.join(WORK, 'jmh-%s.json' % name)
    cmd = ['java'] + (['-Djmh.ignoreLock=true'] if IGNORE_LOCK else []) + ['-jar', JAR] + includes + args + [
        '-rf', 'json', '-rff', out, '-foe', 'true']
    if prof:
        cmd += ['-prof', 'gc']
    for k, v in params:
        cmd += ['-p', '%s=%s' % (k, v)]
    log('JMH', name, ' '.join(cmd[cmd.index(JAR) + 1:]))
    deadline = time.time() + 600
    while True:
        with open(os.path.join(WORK, 'jmh-%s.log' % name), 'w') as lf:
            r = subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT, timeout=3600)
        with open(lf.name) as f:
            locked = r.returncode != 0 and 'Unable to acquire the JMH lock' in f.read()
        if not locked or time.time() > deadline:
            break
        log('another JMH run holds /tmp/jmh.lock; waiting for it (at most 10 minutes)')
        time.sleep(5)
    if r.returncode != 0:
        log('JMH', name, 'FAILED, see', lf.name)
        return []
    with open(out) as f:
        return json.load(f)


def merge(args, override):
    """JMH options `args` with the flags in `override` replaced (JMH refuses a flag given twice)."""
    out = list(args)
    for i in range(0, len(override), 2):
        if override[i] in out:
            j = out.index(override[i])
            out[j + 1] = override[i + 1]
        else:
            out += override[i:i + 2]
    return out


def jmh_rows(results):
    """One dict per benchmark+params: name, params, samples (iteration scores), unit, alloc (B/op or None)."""
    rows = []
    for r in results:
        pm = r['primaryMetric']
        samples = [x for fork in pm.get('rawData', []) for x in fork]
        alloc = r.get('secondaryMetrics', {}).get('gc.alloc.rate.norm')
        rows.append(dict(name=r['benchmark'].rsplit('.', 2)[-2] + '.' + r['benchmark'].rsplit('.', 1)[-1],
                         cls=r['benchmark'].rsplit('.', 1)[0], method=r['benchmark'].rsplit('.', 1)[-1],
                         params=r.get('params', {}), samples=samples or [pm['score']], unit=pm['scoreUnit'],
                         score=pm['score'], error=pm.get('scoreError'),
                         alloc=alloc['score'] if alloc else None))
    return rows


def jmh_list():
    r = subprocess.run(['java', '-jar', JAR, '-l'], capture_output=True, text=True, timeout=120)
    return [l.strip() for l in r.stdout.splitlines() if l.strip() and not l.startswith('Benchmarks:')]


# --------------------------------------------------------------------------------------------------- servers

class Skipped(Exception):
    """The system cannot run on this machine (the server said `SKIP <reason>`): its rows say so."""


class Server:
    def __init__(self, system, loops=None):
        self.system = system
        if system == 'libevent':
            cmd = [os.path.join(NATIVE, 'levent'), 'echo']
        else:
            cmd = ['java'] + JAVA_OPTS + ['-cp', JAR, 'io.jevent.cmp.EchoServer', system] + (
                [str(loops)] if loops else [])
        self.err = open(os.path.join(WORK, 'server-%s%s.err' % (system, '-x%d' % loops if loops else '')), 'w')
        self.p = remember(subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                           text=True, bufsize=1))
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.port = None
        self.what = ''

    def _pump(self):
        for line in self.p.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                break
            if line is None:
                break
            if line.startswith('READY '):
                parts = line.split()
                self.port = int(parts[1])
                self.what = ' '.join(parts[2:])
                return
            if line.startswith('SKIP '):
                self.p.wait(timeout=30)
                raise Skipped(line[len('SKIP '):])
        raise RuntimeError('%s did not start (exit status %s); see %s' % (self.system, self.p.poll(), self.err.name))

    def command(self, cmd, timeout=60):
        """Sends STATS or HEAP; returns dict(conns, heap, alloc)."""
        self.p.stdin.write(cmd + '\n')
        self.p.stdin.flush()
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                break
            if line is None:
                break
            if line.startswith('STATS '):
                return {k: int(v) for k, v in (kv.split('=') for kv in line.split()[1:])}
        raise RuntimeError('%s: no answer to %s' % (self.system, cmd))

    def rss_kb(self):
        with open('/proc/%d/status' % self.p.pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
        return -1

    def cpu_ticks(self):
        """(user, system) CPU time of the whole process so far, in clock ticks (/proc/PID/stat)."""
        with open('/proc/%d/stat' % self.p.pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return int(fields[11]), int(fields[12])

    def java(self):
        return self.system != 'libevent'

    def stop(self):
        try:
            self.p.stdin.write('QUIT\n')
            self.p.stdin.flush()
            self.p.wait(timeout=10)
        except Exception:
            self.p.kill()


def loadgen(*args, timeout=120):
    cmd = [os.path.join(NATIVE, 'loadgen')] + [str(a) for a in args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError('%s failed: %s' % (' '.join(cmd), r.stderr.strip()))
    return dict(kv.split('=') for kv in r.stdout.split()[1:])


def wait_conns(server, pred, timeout):
    deadline = time.time() + timeout
    s = server.command('STATS')
    while not pred(s['conns']) and time.time() < deadline:
        time.sleep(0.1)
        s = server.command('STATS')
    return s


def strace_counts(server, secs):
    """System calls of the whole server process (every thread) during a ping-pong run of `secs`, per round trip."""
    cmd = ['strace', '-c', '-f', '-qq', '-p', str(server.p.pid)]  # -f -p: every thread of the process
    out = os.path.join(WORK, 'strace-%s.txt' % server.system)
    with open(out, 'w') as f:
        st = remember(subprocess.Popen(cmd, stderr=f, stdout=subprocess.DEVNULL))
    time.sleep(1.0)  # attached
    r = loadgen('pingpong', server.port, secs)
    st.send_signal(signal.SIGINT)
    st.wait(timeout=30)
    rtt = int(r['rtt'])
    calls = {}
    with open(out) as f:
        for line in f:
            m = re.match(r'^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$', line)
            if m and m.group(2) != 'total':
                calls[m.group(2)] = calls.get(m.group(2), 0) + int(m.group(1))
    return rtt, calls


# ------------------------------------------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mode', choices=MODES, default='quick')
    ap.add_argument('-e', '--extra', action='append', default=None,
                    help='extra JMH include regex, tabulated as is (default: io.jevent.buffer.*Bench when present)')
    ap.add_argument('--only', default='', help='comma list of: loop,dispatch,timers,extra,pingpong,stream,'
                                               'syscalls,idle,multicore (default: all)')
    ap.add_argument('--systems', default=','.join(SYSTEMS))
    ap.add_argument('--no-report', action='store_true')
    ap.add_argument('--ignore-jmh-lock', action='store_true')
    ap.add_argument('--reps', type=int, help='override the repetitions of the mode (development)')
    ap.add_argument('--report-from', metavar='FILE',
                    help='only rewrite docs/ from the results of an earlier run (results-<mode>.json, or '
                         'docs/benchmarks-results.json); FILE is copied to docs/benchmarks-results.json')
    ap.add_argument('--check', action='store_true',
                    help='regenerate the report from docs/benchmarks-results.json in memory; fail if '
                         'docs/benchmarks.md differs or benchmarks/report-notes.md holds a figure typed by hand')
    a = ap.parse_args()
    if a.check:
        return check()
    if a.report_from:
        with open(a.report_from, encoding='utf-8') as f:
            R = json.load(f)
        try:
            write_report(R)
        except NotesError as e:
            log(e)
            return 1
        return 0
    global IGNORE_LOCK
    IGNORE_LOCK = a.ignore_jmh_lock or a.mode == 'smoke'
    cfg = dict(MODES[a.mode])
    if a.reps:
        cfg['reps'] = a.reps
        cfg['idle_reps'] = min(cfg.get('idle_reps', a.reps), a.reps)
    only = set(a.only.split(',')) if a.only else None
    want = lambda w: only is None or w in only
    systems = a.systems.split(',')
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        ap.error('unknown system(s) %s; choose from %s' % (', '.join(unknown), ','.join(SYSTEMS)))
    extra = a.extra if a.extra is not None else ['io.jevent.buffer.*Bench']
    if a.extra is None and a.mode == 'smoke':
        extra = extra + ['io.jevent.filter.*Bench']  # CI: the TLS/zlib benchmarks must not rot either
    report = not (a.no_report or a.mode == 'smoke')
    os.makedirs(WORK, exist_ok=True)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t_start = time.time()
    with open('/proc/loadavg') as f:
        load_start = ' '.join(f.read().split()[:3])
    R = dict(mode=a.mode, cfg={k: v for k, v in cfg.items()}, systems=systems, load_start=load_start,
             date=time.strftime('%Y-%m-%d %H:%M'), machine=machine())
    try:
        run(cfg, want, systems, extra, R)
    finally:
        cleanup()
    R['elapsed'] = time.time() - t_start
    with open('/proc/loadavg') as f:
        R['load_end'] = ' '.join(f.read().split()[:3])
    with open(os.path.join(WORK, 'results-%s.json' % a.mode), 'w') as f:
        json.dump(R, f, indent=1, default=str)
    log('done in %.0f s; raw results in %s' % (R['elapsed'], os.path.join(WORK, 'results-%s.json' % a.mode)))
    problems = R.get('problems', [])
    for p in problems:
        log('PROBLEM:', p)
    if report:
        try:
            write_report(R)
        except NotesError as e:
            log(e)
            return 1
    return 1 if problems else 0


def run(cfg, want, systems, extra, R):
    R['problems'] = problems = []
    quick_jmh = cfg['jmh']
    # ---- in-process JMH
    if want('loop') and cfg['loop_bench']:
        R['loop'] = jmh_rows(jmh('loop', ['io.jevent.bench.LoopIterationBench'], quick_jmh,
                                 [('backend', cfg.get('loop_backends', 'epoll,poll,nio'))]))
        if not R['loop']:
            problems.append('LoopIterationBench failed')
    if want('dispatch'):
        rows = []
        for (p, ac, w) in cfg['grid']:
            params = [('numPipes', p), ('active', ac), ('writes', w)]
            res = jmh_rows(jmh('dispatch-%d-%d-%d' % (p, ac, w), ['io.jevent.bench.DispatchBench'], quick_jmh,
                               params + [('backend', 'epoll,poll,nio')]))
            res += jmh_rows(jmh('niodispatch-%d-%d-%d' % (p, ac, w), ['io.jevent.bench.NioDispatchBench'],
                                quick_jmh, params + [('pair', cfg['nio_pairs'])]))
            if len(res) < 4:
                problems.append('DispatchBench or NioDispatchBench %d/%d/%d failed' % (p, ac, w))
            rows += res
        R['dispatch'] = rows
        # libevent's bench.c, one process per repetition
        lev = {}
        for rep in range(cfg['reps']):
            for (p, ac, w) in cfg['grid']:
                for pair in ('socketpair', 'pipe'):
                    out = subprocess.run([os.path.join(NATIVE, 'levent'), 'bench', str(p), str(ac), str(w),
                                          str(cfg['levent_rounds'])] + (['pipe'] if pair == 'pipe' else []),
                                         capture_output=True, text=True, timeout=300)
                    m = re.search(r'us=([\d.]+)', out.stdout)
                    if m:
                        lev.setdefault(pair, {}).setdefault('%d/%d/%d' % (p, ac, w), []).append(float(m.group(1)))
                    else:
                        problems.append('levent bench failed: ' + out.stderr.strip())
        R['dispatch_libevent'] = lev.get('socketpair', {})
        R['dispatch_libevent_pipe'] = lev.get('pipe', {})
    if want('timers'):
        n, c = cfg['timers']
        R['timers'] = jmh_rows(jmh('timers', ['io.jevent.bench.TimerBench'], merge(quick_jmh, cfg['jmh_timers']),
                                   [('timers', n), ('common', c),
                                    ('backend', cfg.get('loop_backends', 'epoll,poll,nio'))]))
        if not R['timers']:
            problems.append('TimerBench failed')
        lev = {}
        for rep in range(cfg['reps']):
            out = subprocess.run([os.path.join(NATIVE, 'levent'), 'timers', str(n), str(c)], capture_output=True,
                                 text=True, timeout=300)
            for k, v in re.findall(r'(\w+)=([\d.]+)', out.stdout):
                if k not in ('n', 'common'):
                    lev.setdefault(k, []).append(float(v))
        R['timers_libevent'] = lev
    if want('extra') and extra:
        listed = jmh_list()
        R['extra'] = {}
        for rx in extra:
            if not any(re.search(rx, b) for b in listed):
                log('no benchmark matches', rx, '(not built on this branch yet)')
                R['extra'][rx] = None
                continue
            rows = jmh_rows(jmh('extra-' + re.sub(r'\W+', '_', rx), [rx], quick_jmh))
            if not rows:
                problems.append('JMH %s failed' % rx)
            R['extra'][rx] = rows
    # ---- servers
    if want('multicore'):
        multicore(cfg, systems, R, problems)
    if not any(want(w) for w in ('pingpong', 'stream', 'syscalls', 'idle')):
        return
    servers = {}
    R['skipped'] = skipped = {}  # system -> why this machine cannot run it (not a problem of the run)
    R['failed'] = failed = {}  # system -> the failure that took it out of the run (a problem)
    log('starting servers:', ', '.join(systems))
    for s in systems:
        servers[s] = Server(s)
    live = []  # the systems still measured, in the requested order

    def drop(s, what, e):
        failed[s] = '%s: %s' % (what, e)
        problems.append('%s failed in %s: %s' % (s, what, e))
        log('  %s FAILED in %s: %s' % (s, what, e))
        if s in live:
            live.remove(s)
        servers[s].p.kill()

    for s in systems:
        try:
            servers[s].wait_ready()
        except Skipped as e:
            skipped[s] = str(e)
            log('  %-13s skipped: %s' % (s, e))
            continue
        except Exception as e:
            live.append(s)
            drop(s, 'start', e)
            continue
        live.append(s)
        log('  %-13s port %d  %s' % (s, servers[s].port, servers[s].what))
    R['servers'] = {s: servers[s].what for s in live}
    log('warm-up')
    for s in list(live):
        try:
            loadgen('pingpong', servers[s].port, cfg['warm'])
            loadgen('stream', servers[s].port, cfg['warm'], 16, 16384)
        except Exception as e:
            drop(s, 'warm-up', e)
    order = lambda rep: list(live)  # A B C ... every repetition, the same order

    def interleaved(name, fn):
        res = {s: [] for s in live}
        alloc = {s: [] for s in live}
        cpu = {s: [] for s in live}
        tick_us = 1e6 / os.sysconf('SC_CLK_TCK')
        for rep in range(cfg['reps']):
            for s in order(rep):
                srv = servers[s]
                try:
                    before = srv.command('STATS') if srv.java() else None
                    u0, s0 = srv.cpu_ticks()
                    value, units = fn(srv)
                    u1, s1 = srv.cpu_ticks()
                    after = srv.command('STATS') if before is not None else None
                except Exception as e:
                    drop(s, name, e)
                    continue
                res[s].append(value)
                cpu[s].append(((u1 - u0) * tick_us / units, (s1 - s0) * tick_us / units))
                if after is not None:
                    alloc[s].append((after['alloc'] - before['alloc']) / units)
            log('  %s rep %d: %s' % (name, rep + 1, '  '.join('%s=%s' % (s, fmt(res[s][-1])) for s in live)))
        R[name + '_cpu'] = cpu
        return res, alloc

    if want('pingpong'):
        log('echo ping-pong, 1 connection, 64 B')
        res, alloc = interleaved('pingpong', lambda srv: (lambda r: (float(r['rate']), int(r['rtt'])))(
            loadgen('pingpong', srv.port, cfg['pp_secs'])))
        R['pingpong'], R['pingpong_alloc'] = res, alloc
    if want('stream'):
        log('echo throughput, 16 connections, 16 KiB writes')
        res, alloc = interleaved('stream', lambda srv: (lambda r: (float(r['mbps']), int(r['bytes']) / 1e6))(
            loadgen('stream', srv.port, cfg['stream_secs'], 16, 16384)))
        R['stream'], R['stream_alloc'] = res, alloc
    if want('syscalls'):
        log('system calls per round trip (strace -c over every thread)')
        R['syscalls'] = {}
        for s in list(live):
            try:
                rtt, calls = strace_counts(servers[s], cfg['strace_secs'])
                R['syscalls'][s] = dict(rtt=rtt, calls=calls)
                log('  %-13s %d rtt: %s' % (s, rtt, ', '.join('%s %.2f' % (k, v / max(rtt, 1)) for k, v in
                                                              sorted(calls.items(), key=lambda kv: -kv[1])[:6])))
            except Exception as e:
                problems.append('strace %s: %s' % (s, e))
    if want('idle'):
        n = cfg['idle_n']
        log('idle connections: %d per server' % n)
        res_heap = {s: [] for s in live}
        res_rss = {s: [] for s in live}
        for rep in range(cfg.get('idle_reps', cfg['reps'])):
            for s in list(live):
                srv = servers[s]
                lg = None
                try:
                    wait_conns(srv, lambda c: c == 0, 60)
                    h0 = srv.command('HEAP')
                    rss0 = srv.rss_kb()
                    lg = remember(subprocess.Popen([os.path.join(NATIVE, 'loadgen'), 'idle', str(srv.port), str(n),
                                                    '120'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
                    line = lg.stdout.readline()
                    if not line.startswith('connected'):
                        problems.append('idle %s: loadgen could not connect %d' % (s, n))
                        lg.kill()
                        continue
                    st = wait_conns(srv, lambda c: c >= n, 120)
                    h1 = srv.command('HEAP')
                    rss1 = srv.rss_kb()
                    lg.stdin.close()
                    lg.wait(timeout=60)
                except Exception as e:
                    if lg is not None:
                        lg.kill()
                    drop(s, 'idle', e)
                    continue
                if st['conns'] < n:
                    problems.append('idle %s: server saw only %d of %d connections' % (s, st['conns'], n))
                    continue
                if h0['heap'] >= 0:
                    res_heap[s].append((h1['heap'] - h0['heap']) / n)
                res_rss[s].append((rss1 - rss0) * 1024 / n)
            log('  idle rep %d: heap/conn %s' % (rep + 1, '  '.join(
                '%s=%s' % (s, fmt(res_heap[s][-1]) if res_heap[s] else '-') for s in live)))
        R['idle_heap'], R['idle_rss'] = res_heap, res_rss
        R['idle_n'] = n
        R['idle_reps'] = cfg.get('idle_reps', cfg['reps'])
    for s in live:
        servers[s].stop()


def multicore(cfg, systems, R, problems):
    """Echo ping-pong and streaming over MC_CONNS connections: jevent's group and Netty's group, 1 and 2 loops each,
    one server process per (system, loops), interleaved repetitions with the same C client."""
    entries = [(s, k) for _, j, n in MC_PAIRS for k in MC_LOOPS for s in (j, n) if j in systems or n in systems]
    if not entries:
        return
    log('many cores: %s, %d connections' % (', '.join('%s x%d' % e for e in entries), MC_CONNS))
    servers, live = {}, []
    R['mc_skipped'] = {}
    for e in entries:
        servers[e] = Server(*e)
    for e in entries:
        try:
            servers[e].wait_ready()
            loadgen('pingpongs', servers[e].port, cfg['warm'], MC_CONNS)
            loadgen('stream', servers[e].port, cfg['warm'], MC_CONNS, 16384)
            live.append(e)
            log('  %-13s x%d port %d  %s' % (e[0], e[1], servers[e].port, servers[e].what))
        except Skipped as x:
            R['mc_skipped']['%s x%d' % e] = str(x)
            log('  %s x%d skipped: %s' % (e[0], e[1], x))
        except Exception as x:
            problems.append('many cores: %s x%d failed to start: %s' % (e[0], e[1], x))
            servers[e].p.kill()
    res = {'%s x%d' % e: {'pingpong': [], 'stream': []} for e in live}
    for rep in range(cfg['reps']):
        for e in list(live):
            key = '%s x%d' % e
            try:
                r = loadgen('pingpongs', servers[e].port, cfg['pp_secs'], MC_CONNS)
                res[key]['pingpong'].append(float(r['rate']))
                r = loadgen('stream', servers[e].port, cfg['stream_secs'], MC_CONNS, 16384)
                res[key]['stream'].append(float(r['mbps']))
            except Exception as x:
                problems.append('many cores: %s failed: %s' % (key, x))
                live.remove(e)
                servers[e].p.kill()
        log('  many cores rep %d: %s' % (rep + 1, '  '.join('%s=%s/%s' % (k, fmt(v['pingpong'][-1]) if v['pingpong']
                                                             else '-', fmt(v['stream'][-1]) if v['stream'] else '-')
                                                             for k, v in res.items())))
    R['multicore'] = res
    for e in live:
        servers[e].stop()


if __name__ == '__main__':
    sys.exit(main())

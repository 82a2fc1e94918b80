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
    docs/benchmarks-results.json, unless --smoke; the notes at the end of the report are benchmarks/report-notes.md
    with every figure filled in from the run (notes.py).
`--report-from FILE` rewrites the report from saved results without running anything; `--check` regenerates it in
memory from docs/benchmarks-results.json and fails when docs/benchmarks.md differs or the notes hold a figure typed
by hand. Only the Python standard library is used. Every load loop is bounded in time; servers are killed on exit.
"""
import argparse
import difflib
import json
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

from notes import Figures, NotesError, fill, fmt, lint, stats

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, 'benchmarks')
JAR = os.path.join(BENCH, 'target', 'benchmarks.jar')
NATIVE = os.path.join(BENCH, 'target', 'native')
WORK = os.path.join(BENCH, 'target', 'cmp')
PIDFILE = os.path.join(WORK, 'pids')
REPORT = os.path.join(ROOT, 'docs', 'benchmarks.md')
RESULTS = os.path.join(ROOT, 'docs', 'benchmarks-results.json')  # committed with the report: the figures it shows
NOTES = os.path.join(BENCH, 'report-notes.md')
SYSTEMS = ['jevent-epoll', 'jevent-poll', 'jevent-nio', 'jevent-uring', 'netty-epoll', 'netty-uring', 'netty-nio',
           'plain-nio', 'libevent']
# The peers the jevent servers are held against ("best of Netty and plain NIO"), and the io_uring goals (issue 11).
PEERS = ('netty-epoll', 'netty-uring', 'netty-nio', 'plain-nio')
URING = 'jevent-uring'
URING_PEERS = ('netty-epoll', 'netty-uring', 'plain-nio')
# A fixed, pre-touched heap: the JVM's RSS then no longer moves with the heap it commits or gives back, and the RSS
# growth per idle connection is the native memory (JNA scratch, direct buffers, malloc) the server uses for it.
JAVA_OPTS = ['-Xms256m', '-Xmx256m', '-XX:+AlwaysPreTouch', '-XX:+UseG1GC']
BASELINE = 'jevent-epoll'
# Many cores (issue 15): a group of 1 and 2 loops against Netty's EventLoopGroup of 1 and 2 threads, per transport.
MC_PAIRS = (('epoll', 'jevent-epoll', 'netty-epoll'), ('io_uring', 'jevent-uring', 'netty-uring'))
MC_LOOPS = (1, 2)
MC_CONNS = 64

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


def log(*a):
    print('[cmp %s]' % time.strftime('%H:%M:%S'), *a, flush=True)


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


# ---------------------------------------------------------------------------------------------------- report

def med_range(s, digits=None):
    if s is None:
        return 'n/a'
    return '%s (%s–%s)' % (fmt(s[0], digits), fmt(s[1], digits), fmt(s[2], digits))


DRAW = True  # False while --check renders the report in memory: charts are not redrawn, the existing ones linked


def chart(name, title, ylabel, entries):
    """entries: [(label, (median, min, max))]; writes docs/img/<name>.png with gnuplot; returns the path or None."""
    entries = [(l, s) for l, s in entries if s is not None]
    if not entries:
        return None
    png = os.path.join(ROOT, 'docs', 'img', name + '.png')
    if not DRAW:
        return 'img/%s.png' % name if os.path.exists(png) else None
    os.makedirs(WORK, exist_ok=True)
    dat = os.path.join(WORK, name + '.dat')
    with open(dat, 'w') as f:
        for i, (label, s) in enumerate(entries):
            f.write('%d "%s" %g %g %g\n' % (i, label, s[0], s[1], s[2]))
    os.makedirs(os.path.dirname(png), exist_ok=True)
    script = '''set terminal pngcairo size 900,420 font "sans,10"
set output "%s"
set title "%s"
set ylabel "%s"
set style fill solid 0.55 border -1
set boxwidth 0.6
set yrange [0:*]
set grid ytics
set xtics rotate by -25
set key off
plot "%s" using 1:3:xtic(2) with boxes lc rgb "#4a7ab5", \\
     "" using 1:3:4:5 with yerrorbars lc rgb "black" pt 0 lw 1.5
''' % (png, title.replace('"', "'"), ylabel, dat)
    r = subprocess.run(['gnuplot'], input=script, text=True, capture_output=True)
    if r.returncode != 0:
        log('gnuplot failed for', name, r.stderr.strip())
        if os.path.exists(png):
            os.remove(png)  # no stale chart beside new figures (and --check then links none, as written here)
        return None
    return 'img/%s.png' % name


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


def check(results=RESULTS, report=REPORT, notes=NOTES):
    """docs/benchmarks.md is what the committed results and notes make, and the notes type no figure by hand.
    Prints what differs; returns the exit status (the paths are the committed files but for tests)."""
    global DRAW, NOTES
    DRAW = False
    with open(results, encoding='utf-8') as f:
        R = json.load(f)
    problems = []
    with open(notes, encoding='utf-8') as f:
        problems += ['benchmarks/report-notes.md ' + p for p in lint(f.read())]
    saved, NOTES = NOTES, notes
    try:
        text = render_report(R)
    except NotesError as e:
        problems.append(str(e))
        text = None
    finally:
        NOTES = saved
    with open(report, encoding='utf-8') as f:
        current = f.read()
    if text is not None and text != current:
        diff = list(difflib.unified_diff(current.split('\n'), text.split('\n'), 'docs/benchmarks.md',
                                         'regenerated from docs/benchmarks-results.json', lineterm='', n=0))
        problems.append('docs/benchmarks.md is not what `python3 benchmarks/cmp.py --report-from '
                        'docs/benchmarks-results.json` writes (edited by hand, or cmp.py/report-notes.md changed '
                        'without regenerating it):\n' + '\n'.join(diff[:40]) + ('\n…' if len(diff) > 40 else ''))
    for p in problems:
        print('cmp.py --check: ' + p, file=sys.stderr)
    if not problems:
        print('cmp.py --check: docs/benchmarks.md matches docs/benchmarks-results.json and the notes')
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


def multicore_section(R, w):
    mc = R['multicore']
    w('## Many cores: a group of 1 and 2 loops against Netty\'s EventLoopGroup, %d connections' % MC_CONNS)
    w('')
    w('jevent: an `EventBaseGroup` of N loops, loop 1 accepting and handing each connection to the next loop in turn '
      '(`GroupListener.distributing`); Netty: `MultiThreadIoEventLoopGroup(N)` as both parent and child group, which '
      'does the same. Ping-pong: %d connections, each with one 64-byte message in flight (`loadgen pingpongs`), '
      'round trips/s over all of them; streaming: %d connections, 16 KiB writes (`loadgen stream`), MB/s echoed. '
      'Scaling = 2 loops / 1 loop of the same system (paired per repetition).' % (MC_CONNS, MC_CONNS))
    w('')
    cpus = nproc(R)
    if cpus is not None and cpus <= 2:
        w('**What %s allow%s.** The client is one C thread on the same machine: with one server loop the client and '
          'the loop have a core each; with two loops three busy threads share the cores, so the server cannot get '
          'more CPU than with one loop and the scaling ratio mostly measures the cost of the second thread '
          '(hand-offs, wake-ups, contention for the cores), not what a second core would give. On a machine with a '
          'core per loop plus the client\'s, the same figures would show the speed-up.'
          % ('one core' if cpus == 1 else 'two cores', 's' if cpus == 1 else ''))
    else:
        w('The client is one C thread on the same machine (%s CPUs), so two server loops and the client can each '
          'have a core: the scaling ratio shows what the second loop gives.' % (cpus or 'an unknown number of'))
    w('')
    for work, unit in (('pingpong', 'round trips/s'), ('stream', 'MB/s')):
        FIG.metric('mc.' + work, {k: v.get(work, []) for k, v in mc.items()}, 'higher', paired=True,
                   systems=['%s x%d' % (s, k) for _, j, n in MC_PAIRS for s in (j, n) for k in MC_LOOPS])
        w('| transport | loops | jevent %s | Netty %s | jevent / Netty (paired) |' % (unit, unit))
        w('|---|---:|---:|---:|---:|')
        for label, j, n in MC_PAIRS:
            for k in MC_LOOPS:
                jk, nk = '%s x%d' % (j, k), '%s x%d' % (n, k)
                js = stats(mc.get(jk, {}).get(work, []))
                ns = stats(mc.get(nk, {}).get(work, []))
                r = stats([a / b for a, b in zip(mc.get(jk, {}).get(work, []), mc.get(nk, {}).get(work, [])) if b])
                skip = R.get('mc_skipped', {})
                w('| %s | %d | %s | %s | %s |' % (label, k, skip.get(jk) or med_range(js), skip.get(nk) or
                                                 med_range(ns), med_range(r, 2)))
                if r:
                    FIG.goal('mc-%s-%d-%s' % (label, k, work), 'Many cores, %s, %d loop%s, %s: jevent ≥ 1.0× Netty'
                             % (label, k, 's' if k > 1 else '', 'ping-pong' if work == 'pingpong' else 'streaming'),
                             '%.2f× (paired; %.2f–%.2f)' % r, r[0] >= 1.0, '%.2f' % r[0], n)
        w('')
        w('| transport | jevent scaling 2/1 | Netty scaling 2/1 |')
        w('|---|---:|---:|')
        for label, j, n in MC_PAIRS:
            sc = []
            for sysname in (j, n):
                a = mc.get('%s x2' % sysname, {}).get(work, [])
                b = mc.get('%s x1' % sysname, {}).get(work, [])
                sc.append(med_range(stats([x / y for x, y in zip(a, b) if y]), 2))
            w('| %s | %s | %s |' % (label, sc[0], sc[1]))
        w('')


def machine():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
        except Exception:
            return '?'
    return [
        ('CPUs', '%s (`nproc`), %s' % (sh('nproc'), sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip())),
        ('Kernel', sh('uname -r')),
        ('Memory', sh("awk '/MemTotal/{printf \"%.0f GiB\", $2/1048576}' /proc/meminfo")),
        ('JDK', sh("java -version 2>&1 | sed -n 2p")),
        ('Java server flags', ' '.join(JAVA_OPTS) + ', one event-loop thread per server'),
        ('gcc', sh('gcc --version | head -1')),
        ('libevent', sh("dpkg-query -W -f='${Version}' libevent-dev") + ' (Debian libevent-dev)'),
        ('Netty', '4.2.18.Final (epoll and io_uring linux-x86_64, and NIO transports)'),
        ('io_uring', '`/proc/sys/kernel/io_uring_disabled` = %s (0: allowed)' % sh(
            'cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo absent')),
        ('JMH', '1.37'),
        ('jevent', '`%s` on branch `%s`' % (sh('git -C %s rev-parse --short HEAD' % ROOT),
                                             sh('git -C %s rev-parse --abbrev-ref HEAD' % ROOT))),
    ]


def absent(R, s):
    """Why system `s` has no figures in this run ('skipped: …' or 'failed in …'), or None when it was measured."""
    def short(t):
        t = ' '.join(str(t).split()).replace('|', '/')
        return t if len(t) <= 220 else t[:217] + '…'
    if s in R.get('skipped', {}):
        return 'skipped: ' + short(R['skipped'][s])
    if s in R.get('failed', {}):
        return 'failed in ' + short(R['failed'][s])
    return None


def write_report(R):
    """Writes docs/benchmarks.md from the results R, and R to docs/benchmarks-results.json beside it."""
    text = render_report(R)
    with open(RESULTS, 'w', encoding='utf-8') as f:
        json.dump(R, f, indent=1, default=str)
        f.write('\n')
    with open(REPORT, 'w', encoding='utf-8') as f:
        f.write(text)
    log('wrote docs/benchmarks.md and docs/benchmarks-results.json')


def nproc(R):
    """The run's CPU count, from the machine table (`2 (`nproc`), …`), or None."""
    cpus = dict(R.get('machine') or []).get('CPUs', '')
    return int(cpus.split()[0]) if cpus[:1].isdigit() else None


def render_report(R):
    """The text of docs/benchmarks.md for the results R (charts drawn unless DRAW is off)."""
    global FIG
    cfg = R['cfg']
    systems = R['systems']
    if not R.get('machine'):
        log('these results do not record their machine (older cmp.py): describing this one instead')
        R['machine'] = machine()
    FIG = Figures(systems, dict(cpus=nproc(R) or 'n/a', reps=cfg['reps'], date=R.get('date', '?'), mode=R['mode'],
                                idle_n=fmt(R.get('idle_n', cfg['idle_n'])), timers=fmt(cfg['timers'][0]),
                                common=fmt(cfg['timers'][1])))
    L = []
    w = L.append
    w('# jevent benchmarks: jevent against libevent, Netty and plain NIO')
    w('')
    w('Generated by `benchmarks/run.sh --%s` on %s in %.0f s. Do not edit by hand: change `benchmarks/cmp.py` or '
      '`benchmarks/report-notes.md` and regenerate it from the same results with `python3 benchmarks/cmp.py '
      '--report-from docs/benchmarks-results.json` (the raw results of that run, committed beside this file; '
      '`--check` verifies that this file is what they make), or run the benchmarks again. How to run, what each '
      'program does: [`benchmarks/README.md`](../benchmarks/README.md).' % (R['mode'], R.get('date', '?'),
                                                                           R['elapsed']))
    w('')
    w('Figures are **median (min–max)** over the repetitions. Client/server workloads run every system once per '
      'repetition, interleaved (jevent-epoll, jevent-poll, …, libevent, then again), %d repetitions; the client is '
      'the same C program (`benchmarks/native/loadgen.c`) for every server, and client and server share the '
      'machine\'s CPUs. JMH figures are the median (min–max) of the measured iterations of one fork. Ratios are '
      'to **jevent-epoll** in the same run.' % cfg['reps'])
    w('')
    w('## Machine')
    w('')
    w('| | |')
    w('|---|---|')
    for k, v in R['machine']:
        w('| %s | %s |' % (k, v))
    w('| Load average (1, 5, 15 min) | %s at the start, %s at the end: the machine is shared, a 1-minute load '
      'well above 2 means others were running too |' % (R.get('load_start', '?'), R.get('load_end', '?')))
    if R.get('servers'):
        w('| Servers | %s |' % '; '.join('%s: %s' % (s, v) for s, v in R['servers'].items()))
    gone = [(s, absent(R, s)) for s in systems if absent(R, s)]
    if gone:
        w('| Not measured | %s |' % '; '.join('%s %s' % g for g in gone))
    w('| Mode | `%s`: %d repetitions, ping-pong %.1f s and streaming %.1f s per run, JMH `%s` |' % (
        R['mode'], cfg['reps'], cfg['pp_secs'], cfg['stream_secs'], ' '.join(cfg['jmh'])))
    w('')

    def ratio_table(title, key, unit, better, chart_name, digits=None):
        res = R.get(key)
        if not res:
            return None
        st = {s: stats(res.get(s, [])) for s in systems}
        FIG.metric(key, res, better, digits, paired=True)
        base = st.get(BASELINE)
        w('| system | %s | / jevent-epoll | paired: median (min–max) of per-repetition ratios |' % unit)
        w('|---|---:|---:|---:|')
        for s in systems:
            if not st[s] and absent(R, s):
                w('| %s | %s | | |' % (s, absent(R, s)))
                continue
            r = (st[s][0] / base[0]) if st[s] and base and base[0] else None
            w('| %s | %s | %s | %s |' % (s, med_range(st[s], digits), fmt(r, 2) if r else 'n/a',
                                        med_range(paired(res, s, BASELINE), 2)))
        w('')
        w('The paired ratio divides each repetition\'s figure by jevent-epoll\'s in the same repetition (they ran '
          'seconds apart), so drift of the machine between repetitions cancels out; prefer it to the ratio of '
          'medians when the min–max ranges are wide.')
        w('')
        img = chart(chart_name, title, '%s (%s is better)' % (unit, better), [(s, st[s]) for s in systems if st[s]])
        if img:
            w('![%s](%s)' % (title, img))
            w('')
        return st

    # ---- goals summary placeholder, filled at the end
    goals_at = len(L)
    # ---- ping-pong
    if R.get('pingpong'):
        w('## Echo ping-pong: 1 connection, 64-byte messages (round trips/s, higher is better)')
        w('')
        st = ratio_table('Echo ping-pong, 1 connection, 64 B', 'pingpong', 'round trips/s', 'higher', 'pingpong')
        cpu_table('pingpong_cpu', 'µs per round trip', R, systems, w)
        # the share of wall time the server process was on a CPU: CPU per round trip × round trips per second
        FIG.metric('pingpong.busy_pct', {s: [(u + k) * rate / 1e4 for (u, k), rate in
                                             zip(R.get('pingpong_cpu', {}).get(s, []), v)]
                                         for s, v in R['pingpong'].items()}, 'lower', 0, paired=True)
        alloc_table('pingpong_alloc', 'B allocated per round trip', R, systems, w)
        peer_goal('pingpong', 'Ping-pong (jevent-epoll) ≥ 1.0× the best of Netty and plain NIO', R['pingpong'], st)
        a = stats(R.get('pingpong_alloc', {}).get(BASELINE, []))
        if a:
            FIG.goal('pingpong-alloc', 'No allocation per echoed message (jevent-epoll, all server threads)',
                     '%s B per round trip' % fmt(a[0], 2), a[0] < 1.0, fmt(a[0], 2))
        if URING in systems:
            peer_goal('uring-pingpong', 'Ping-pong (jevent-uring) ≥ 1.0× the best of netty-epoll, netty-uring and '
                      'plain NIO', R['pingpong'], st, URING, URING_PEERS, R)
            a = stats(R.get('pingpong_alloc', {}).get(URING, []))
            FIG.goal('uring-alloc', 'No allocation per echoed message (jevent-uring, all server threads)',
                     '%s B per round trip' % fmt(a[0], 2) if a else not_measured(R, URING), bool(a) and a[0] < 1.0,
                     fmt(a[0], 2) if a else None)
    if R.get('stream'):
        w('## Echo throughput: 16 connections, 16 KiB writes (MB/s echoed, higher is better)')
        w('')
        w('MB = 10^6 bytes received back by the client. At most 256 KiB un-echoed per connection.')
        w('')
        st = ratio_table('Echo throughput, 16 connections, 16 KiB writes', 'stream', 'MB/s', 'higher', 'stream')
        cpu_table('stream_cpu', 'µs per MB echoed', R, systems, w)
        alloc_table('stream_alloc', 'B allocated per MB echoed', R, systems, w)
        peer_goal('stream', 'Streaming (jevent-epoll) ≥ 1.0× the best of Netty and plain NIO', R['stream'], st)
        if URING in systems:
            peer_goal('uring-stream', 'Streaming (jevent-uring) ≥ 1.0× the best of netty-epoll, netty-uring and '
                      'plain NIO', R['stream'], st, URING, URING_PEERS, R)
        p = paired(R['stream'], BASELINE, 'libevent')
        if p:
            FIG.goal('stream-libevent', 'Streaming (jevent-epoll) ≥ 5× libevent\'s bufferevent echo',
                     '%.2f× (paired; %.2f–%.2f)' % p, p[0] >= 5.0, '%.2f' % p[0], 'libevent')
    if R.get('syscalls'):
        w('## System calls per ping-pong round trip')
        w('')
        w('`strace -c -f` attached to every thread of the server process during a %.1f s ping-pong run (strace '
          'slows the run down; the counts per round trip are what matters). "other" is everything else, '
          'mostly the JVM\'s own threads (futex, nanosleep…) and is not per message.' % cfg['strace_secs'])
        w('')
        groups = [('wait', ('epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'poll', 'ppoll')),
                  ('io_uring_enter', ('io_uring_enter',)),
                  ('read', ('read', 'readv', 'recvfrom', 'recvmsg')),
                  ('write', ('write', 'writev', 'sendto', 'sendmsg')),
                  ('epoll_ctl', ('epoll_ctl',)), ('ioctl', ('ioctl',))]
        per_rtt = {s: {g: sum(d['calls'].get(k, 0) for k in ks) / max(d['rtt'], 1) for g, ks in groups}
                   for s, d in R['syscalls'].items()}
        FIG.metric('syscalls', {s: [sum(v.values())] for s, v in per_rtt.items()}, 'lower', 2)
        for g, _ in groups:
            FIG.metric('syscalls.' + g, {s: [v[g]] for s, v in per_rtt.items()}, 'lower', 2)
        w('| system | round trips | ' + ' | '.join(g for g, _ in groups) + ' | I/O total | other | I/O calls seen |')
        w('|---|---:|' + '---:|' * (len(groups) + 2) + '---|')
        for s in systems:
            d = R['syscalls'].get(s)
            if not d:
                if absent(R, s):
                    w('| %s | %s |%s' % (s, absent(R, s), ' |' * (len(groups) + 3)))
                continue
            rtt = max(d['rtt'], 1)
            c = d['calls']
            names = [k for _, ks in groups for k in ks if c.get(k)]
            io = sum(c[k] for k in names)
            other = sum(c.values()) - io
            w('| %s | %d | %s | %.2f | %.2f | %s |' % (
                s, d['rtt'], ' | '.join('%.2f' % (sum(c.get(k, 0) for k in ks) / rtt) for _, ks in groups),
                io / rtt, other / rtt, ', '.join(names)))
            if s == BASELINE:
                FIG.goal('syscalls', '3 system calls per ping-pong round trip (jevent-epoll)', '%.2f' % (io / rtt),
                         io / rtt <= 3.05, '%.2f' % (io / rtt))
            if s == URING:
                FIG.goal('uring-syscalls', '≤ 2 system calls per ping-pong round trip (jevent-uring)',
                         '%.2f' % (io / rtt), io / rtt <= 2.05, '%.2f' % (io / rtt))
        if URING in systems and not R['syscalls'].get(URING):
            FIG.goal('uring-syscalls', '≤ 2 system calls per ping-pong round trip (jevent-uring)',
                     not_measured(R, URING), False)
        w('')
        w('Under io_uring a read or a write submitted and reaped in one `io_uring_enter` counts once, whatever the '
          'ring carried; work the kernel hands to its io-wq threads is not a system call of the process and is in '
          'no column.')
        w('')
    if R.get('idle_heap'):
        n = R['idle_n']
        w('## Idle connections: %s connections held open by the client' % fmt(n))
        w('')

        w('Heap: used heap after two `System.gc()` with the connections open, minus the same before they were '
          'opened, divided by %s; for libevent, the bytes `malloc` has handed out (glibc `mallinfo2().uordblks`) '
          'over the same span. %d repetitions, interleaved. RSS: the growth of the server\'s VmRSS over the same '
          'span in the **first** repetition (later ones reuse memory the allocators kept, and show ~0); the Java '
          'servers run with a fixed pre-touched heap (`%s`), so their RSS growth is native memory only. Kernel '
          'socket buffers are in neither figure.' % (fmt(n), R.get('idle_reps', cfg['reps']), ' '.join(JAVA_OPTS)))
        w('')
        w('| system | heap B/conn | / jevent-epoll | RSS growth B/conn (first rep.) | / jevent-epoll |')
        w('|---|---:|---:|---:|---:|')
        sh = {s: stats(R['idle_heap'].get(s, [])) for s in systems}
        sr = {s: stats(R['idle_rss'].get(s, [])[:1]) for s in systems}
        FIG.metric('idle.heap', R['idle_heap'], 'lower', 0)
        FIG.metric('idle.rss', {s: v[:1] for s, v in R['idle_rss'].items()}, 'lower', 0)
        for s in systems:
            if not sh[s] and not sr[s] and absent(R, s):
                w('| %s | %s | | | |' % (s, absent(R, s)))
                continue
            rh = sh[s][0] / sh[BASELINE][0] if sh.get(s) and sh.get(BASELINE) else None
            rr = sr[s][0] / sr[BASELINE][0] if sr.get(s) and sr.get(BASELINE) and sr[BASELINE][0] else None
            w('| %s | %s | %s | %s | %s |' % (s, med_range(sh[s], 0), fmt(rh, 2) if rh else 'n/a',
                                           med_range(sr[s], 0), fmt(rr, 2) if rr else 'n/a'))
        w('')
        img = chart('idle-heap', 'Retained heap per idle connection', 'bytes (lower is better)',
                    [(s, sh[s]) for s in systems if sh[s]])
        if img:
            w('![idle heap](%s)' % img)
            w('')
        img = chart('idle-rss', 'RSS growth per idle connection (first repetition)', 'bytes (lower is better)',
                    [(s, sr[s]) for s in systems if sr[s]])
        if img:
            w('![idle RSS](%s)' % img)
            w('')
        if sh.get(BASELINE):
            FIG.goal('idle-heap', '≤ 500 B of heap per idle connection (jevent-epoll)',
                     '%s B' % fmt(sh[BASELINE][0], 0), sh[BASELINE][0] <= 500, fmt(sh[BASELINE][0], 0))
        if URING in systems:
            title = 'Heap + native memory per idle connection (jevent-uring) ≤ jevent-epoll\'s'
            if sh.get(URING) and sr.get(URING) and sh.get(BASELINE) and sr.get(BASELINE):
                u = sh[URING][0] + sr[URING][0]
                e = sh[BASELINE][0] + sr[BASELINE][0]
                FIG.goal('uring-idle', title, '%s B (heap %s + RSS %s) against %s B (heap %s + RSS %s): %s×' % (
                    fmt(u, 0), fmt(sh[URING][0], 0), fmt(sr[URING][0], 0), fmt(e, 0), fmt(sh[BASELINE][0], 0),
                    fmt(sr[BASELINE][0], 0), fmt(u / e, 2) if e > 0 else 'n/a'), u <= e,
                    fmt(u / e, 2) if e > 0 else 'n/a', BASELINE)
            else:
                FIG.goal('uring-idle', title, not_measured(R, URING), False)
    if R.get('multicore'):
        multicore_section(R, w)
    if R.get('dispatch'):
        dispatch_section(R, w)
    if R.get('timers'):
        timers_section(R, w)
    if R.get('loop'):
        w('## LoopIterationBench: one pass of the loop (ns/op, lower is better)')
        w('')
        w('`emptyPass` = `loop(NONBLOCK)` over one far timer; `activateAndLoop` = `activate(READ)` + `loop(NONBLOCK)` '
          '(two passes, one callback); `activateAndLoopOnce` = `activate(READ)` + `loop(ONCE | NONBLOCK)`.')
        w('')
        jmh_matrix(R['loop'], w, lambda r: r['method'])
    for rx, rows in (R.get('extra') or {}).items():
        w('## JMH: `%s`' % rx)
        w('')
        if rows is None:
            w('No benchmark matches on this branch yet: nothing to show.')
            w('')
            continue
        w('| benchmark | params | score | unit | B/op |')
        w('|---|---|---:|---|---:|')
        for r in rows:
            w('| `%s` | %s | %s | %s | %s |' % (r['name'], ' '.join('%s=%s' % kv for kv in r['params'].items()),
                                             med_range(stats(r['samples'])), r['unit'], fmt(r['alloc'], 1)))
        w('')
    L[goals_at:goals_at] = goals_section()
    missing = [k for k in NOTES_NEED if not R.get(k)]
    if missing:
        L.append('## Reading the figures')
        L.append('')
        L.append('The notes that read these figures (`benchmarks/report-notes.md`) need a complete run; this one '
                 'left out %s.' % ', '.join(missing))
        L.append('')
    else:
        with open(NOTES, encoding='utf-8') as f:
            L.append(fill(f.read(), FIG).rstrip())
        L.append('')
    if R.get('problems'):
        L.append('## Problems in this run')
        L.append('')
        L.extend('- ' + p for p in R['problems'])
        L.append('')
    return '\n'.join(L) + '\n'


# The workloads the notes read: without one of them (--only), the report carries no notes.
NOTES_NEED = ('pingpong', 'stream', 'syscalls', 'idle_heap', 'multicore', 'dispatch', 'timers')


def goals_section():
    G = ['## Goals, in this run', '',
         'What jevent aims for, and why each matters to someone choosing an event library for the JVM:', '',
         '- **As fast as the best Java alternative.** Ping-pong and streaming, jevent-epoll against the best of '
         'Netty\'s transports and plain NIO, jevent-uring against netty-epoll, netty-uring and plain NIO, and '
         'jevent\'s loop group against Netty\'s at 1 and 2 loops: a library that brings libevent\'s design to the '
         'JVM is worth adopting only if it costs nothing against what a Java user would pick otherwise. Held '
         'against the peer jevent does worst against, by paired ratio; met at ≥ 1.0×.',
         '- **No garbage per message.** Below 1 B allocated per echoed message over all server threads (what is '
         'left is the JVM\'s own background threads), and below 50 B per bench.c round of about a hundred '
         'events: garbage per message becomes GC work and latency spikes under load.',
         '- **Few system calls per message.** 3 per ping-pong round trip on epoll, the floor for a readiness loop '
         '(wait, read, write); at most 2 on io_uring, where the send and the wait for the next receive can share '
         'one `io_uring_enter`. Each call is a crossing into the kernel, and at small messages the crossings are '
         'most of the cost.',
         '- **Small idle connections.** At most 500 B of heap per idle connection on epoll, and jevent-uring\'s heap '
         'plus native memory no more than jevent-epoll\'s: a server holding many mostly idle connections (push, '
         'chat, long polling) pays this for every one of them.',
         '- **Ahead of libevent where its design costs it**: streaming at least 5× libevent\'s bufferevent echo, '
         'and dispatch (libevent\'s own bench.c) within 1.2× of libevent\'s time and faster than the same '
         'program on plain NIO: the cost of the loop itself, without a protocol on top.',
         '',
         '%d of %d goals met:' % (sum(1 for g in FIG.goals if g['ok']), len(FIG.goals)), '',
         '| goal | measured | met |', '|---|---|---|']
    for g in FIG.goals:
        G.append('| %s | %s | %s |' % (g['title'], g['measured'], '**yes**' if g['ok'] else 'no'))
    G.append('')
    return G


def cpu_table(key, unit, R, systems, w):
    """The server process's CPU time per unit of work (user, system, from /proc/PID/stat; 10 ms ticks)."""
    cpu = R.get(key)
    if not cpu:
        return
    name = key.split('_')[0]
    FIG.metric(name + '.cpu', {s: [u + k for u, k in v] for s, v in cpu.items()}, 'lower', paired=True)
    FIG.metric(name + '.cpu_user', {s: [u for u, _ in v] for s, v in cpu.items()}, 'lower', paired=True)
    FIG.metric(name + '.cpu_sys', {s: [k for _, k in v] for s, v in cpu.items()}, 'lower', paired=True)
    FIG.metric(name + '.cpu_sys_pct', {s: [100 * k / (u + k) for u, k in v if u + k] for s, v in cpu.items()},
               'lower', 0, paired=True)
    base = stats([u + k for u, k in cpu.get(BASELINE, [])])
    w('Server CPU time (whole process, from `/proc/PID/stat`, in %s; lower is better; the kernel counts it in '
      '10 ms ticks, so a 1 s run resolves it to a few per cent):' % unit)
    w('')
    w('| system | CPU, user + system | user | system | / jevent-epoll |')
    w('|---|---:|---:|---:|---:|')
    for s in systems:
        v = cpu.get(s)
        if not v:
            if absent(R, s):
                w('| %s | %s | | | |' % (s, absent(R, s)))
            continue
        tot = stats([u + k for u, k in v])
        w('| %s | %s | %s | %s | %s |' % (s, med_range(tot), fmt(statistics.median([u for u, _ in v])),
                                         fmt(statistics.median([k for _, k in v])),
                                         fmt(tot[0] / base[0], 2) if base else 'n/a'))
    w('')


def not_measured(R, s):
    return 'not measured: ' + (absent(R, s) or 'no figure in this run')


def peer_goal(gid, title, res, st, system=BASELINE, peers=PEERS, R=None):
    """`system` against the best of `peers` by paired ratio (the peer it does worst against); notes when the ranges
    overlap. A goal whose system was not measured is listed as such when R is given."""
    peers = [s for s in peers if st.get(s)]
    if not peers or not st.get(system):
        if R is not None:
            FIG.goal(gid, title, not_measured(R, system) if not st.get(system) else 'no peer measured', False)
        return
    worst = min((paired(res, system, s)[0], s) for s in peers)
    best = max((st[s][0], s) for s in peers)
    p = paired(res, system, worst[1])
    overlap = st[system][1] <= st[best[1]][2] and st[best[1]][1] <= st[system][2]
    FIG.goal(gid, title, '%.2f× %s (paired; %.2f–%.2f)%s' % (p[0], worst[1], p[1], p[2],
                                                            '; min–max ranges overlap' if overlap else ''),
             p[0] >= 1.0, '%.2f' % p[0], worst[1])


def paired(res, s, base):
    """(median, min, max) of res[s][i] / res[base][i] over the repetitions i, or None."""
    r = [a / b for a, b in zip(res.get(s, []), res.get(base, [])) if b]
    return stats(r)


def alloc_table(key, unit, R, systems, w):
    al = R.get(key)
    if not al:
        return
    FIG.metric(key.replace('_', '.'), al, 'lower', paired=True)
    cells = ['%s %s' % (s, med_range(stats(al[s]), 1)) if al.get(s) else '%s %s' % (s, absent(R, s).split(':')[0])
             for s in systems if al.get(s) or (absent(R, s) and s != 'libevent')]
    w('Server-side allocation (%s; every thread but the control thread, from `ThreadMXBean.getThreadAllocatedBytes`): '
      % unit + '; '.join(cells) + '.')
    w('')


def jmh_matrix(rows, w, key, systems_key='backend'):
    """Rows keyed by `key`, columns per backend, ratios to epoll."""
    backs = []
    for r in rows:
        b = r['params'].get(systems_key, '?')
        if b not in backs:
            backs.append(b)
    keys = []
    for r in rows:
        if key(r) not in keys:
            keys.append(key(r))
    w('| | ' + ' | '.join(backs) + ' | ' + ' | '.join('%s / epoll' % b for b in backs if b != 'epoll') + ' | B/op (' +
      ', '.join(backs) + ') |')
    w('|---|' + '---:|' * (2 * len(backs)))
    for k in keys:
        cells, ratios, allocs = [], [], []
        by = {r['params'].get(systems_key): r for r in rows if key(r) == k}
        base = stats(by['epoll']['samples']) if 'epoll' in by else None
        for b in backs:
            s = stats(by[b]['samples']) if b in by else None
            cells.append(med_range(s))
            allocs.append(fmt(by[b]['alloc'], 1) if b in by else 'n/a')
            if b != 'epoll':
                ratios.append(fmt(s[0] / base[0], 2) if s and base else 'n/a')
        w('| `%s` | %s | %s | %s |' % (k, ' | '.join(cells), ' | '.join(ratios), ', '.join(allocs)))
    w('')


def dispatch_section(R, w):
    w('## Dispatch: libevent\'s bench.c (µs per round, lower is better)')
    w('')
    w('N socket pairs, A chains active, W one-byte writes per round (`numPipes/active/writes`). jevent: '
      '`DispatchBench` (socketpair(2) for epoll and poll, loopback TCP for nio); plain NIO: `NioDispatchBench` '
      '(one `Selector`, `Pipe.open()` pairs; `tcp` = loopback TCP as jevent-nio); libevent: `native/levent.c bench` '
      '(socketpairs, %d rounds per process, mean per round, one process per repetition; `libevent (pipe)`: the '
      'same on pipe(2) pairs, which shows how much cheaper a pipe is than an AF_UNIX socket in the kernel, '
      'i.e. how much of plain NIO\'s figure is its pipes). Every round includes its first A writes.'
      % R['cfg']['levent_rounds'])
    w('')
    cols = ['jevent-epoll', 'jevent-poll', 'jevent-nio', 'plain-nio (pipe)', 'plain-nio (tcp)', 'libevent',
            'libevent (pipe)']
    table = {}
    alloc = {}
    for r in R['dispatch']:
        k = '%s/%s/%s' % (r['params']['numPipes'], r['params']['active'], r['params']['writes'])
        col = ('jevent-' + r['params']['backend']) if 'backend' in r['params'] else 'plain-nio (%s)' % r['params']['pair']
        table.setdefault(k, {})[col] = stats(r['samples'])
        alloc.setdefault(k, {})[col] = r['alloc']
    for k, v in R.get('dispatch_libevent', {}).items():
        table.setdefault(k, {})['libevent'] = stats(v)
    for k, v in R.get('dispatch_libevent_pipe', {}).items():
        table.setdefault(k, {})['libevent (pipe)'] = stats(v)
    cols = [c for c in cols if any(c in t for t in table.values())]
    raw = {}
    for r in R['dispatch']:
        k = '%s/%s/%s' % (r['params']['numPipes'], r['params']['active'], r['params']['writes'])
        col = ('jevent-' + r['params']['backend']) if 'backend' in r['params'] else 'plain-nio (%s)' % r['params']['pair']
        raw.setdefault(k, {})[col] = r['samples']
    for k in table:
        vals = dict(raw.get(k, {}), **{'libevent': R.get('dispatch_libevent', {}).get(k, []),
                                       'libevent (pipe)': R.get('dispatch_libevent_pipe', {}).get(k, [])})
        FIG.metric('dispatch[%s]' % k, vals, 'lower', systems=cols)
        FIG.metric('dispatch.alloc[%s]' % k, {c: [a] for c, a in alloc.get(k, {}).items() if a is not None}, 'lower',
                   1, systems=cols)
    w('| N/A/W | ' + ' | '.join(cols) + ' | ' + ' | '.join('%s / jevent-epoll' % c for c in cols if c != BASELINE) + ' |')
    w('|---|' + '---:|' * (2 * len(cols) - 1))
    for k, t in table.items():
        base = t.get(BASELINE)
        w('| %s | %s | %s |' % (k, ' | '.join(med_range(t.get(c)) for c in cols), ' | '.join(
            fmt(t[c][0] / base[0], 2) if t.get(c) and base else 'n/a' for c in cols if c != BASELINE)))
        if base and t.get('libevent'):
            r = base[0] / t['libevent'][0]
            FIG.goal('dispatch-libevent-' + k, 'Dispatch (bench.c %s): jevent-epoll ≤ 1.2× libevent\'s time' % k,
                     '%.2f×' % r, r <= 1.2, '%.2f' % r, 'libevent')
        if base and t.get('plain-nio (pipe)'):
            r = base[0] / t['plain-nio (pipe)'][0]
            FIG.goal('dispatch-nio-' + k, 'Dispatch (bench.c %s): jevent-epoll faster than plain NIO' % k,
                     '%.2f×' % r, r < 1.0, '%.2f' % r, 'plain-nio (pipe)')
    w('')
    w('JMH `gc.alloc.rate.norm`, B per round: ' + '; '.join(
        '%s: %s' % (k, ', '.join('%s %s' % (c, fmt(a, 1)) for c, a in v.items() if a is not None)) for k, v in alloc.items()) + '.')
    w('')
    first = next(iter(table))
    img = chart('dispatch', 'bench.c %s (N/A/W), µs per round' % first, 'µs per round (lower is better)',
                [(c, table[first].get(c)) for c in cols])
    if img:
        w('![dispatch](%s)' % img)
        w('')
    for k, v in alloc.items():
        a = v.get(BASELINE)
        if a is not None:
            FIG.goal('dispatch-alloc-' + k, 'No allocation per dispatched event (bench.c %s, jevent-epoll)' % k,
                     '%s B/round' % fmt(a, 1), a < 50, fmt(a, 1))


def timers_section(R, w):
    w('## Timers (µs per batch, lower is better)')
    w('')
    n, c = R['cfg']['timers']
    w('`addRemove`: add %s timers with random deadlines in [1 s, 2 s), remove them all. `addFire`: add %s with random '
      'deadlines in [0, 1 ms), loop until all fired. `commonAddRemove`/`commonAddFire`: the same with %s timers on one '
      'common timeout of 1 s / 1 ms. jevent: JMH `TimerBench`; libevent: `native/levent.c timers` (same operations, '
      'one process per repetition).' % (fmt(n), fmt(n), fmt(c)))
    w('')
    lev = R.get('timers_libevent', {})
    backs = []
    for r in R['timers']:
        if r['params']['backend'] not in backs:
            backs.append(r['params']['backend'])
    w('| op | ' + ' | '.join('jevent-' + b for b in backs) + ' | libevent | libevent / jevent-epoll | B/op (jevent) |')
    w('|---|' + '---:|' * (len(backs) + 3))
    entries = []
    for m in ('addRemove', 'addFire', 'commonAddRemove', 'commonAddFire'):
        by = {r['params']['backend']: r for r in R['timers'] if r['method'] == m}
        st = {b: stats(by[b]['samples']) if b in by else None for b in backs}
        ls = stats(lev.get(m, []))
        r = ls[0] / st['epoll'][0] if ls and st.get('epoll') else None
        vals = dict({'jevent-' + b: by[b]['samples'] for b in by}, libevent=lev.get(m, []))
        each = c if m.startswith('common') else n
        FIG.metric('timers.' + m, vals, 'lower', systems=['jevent-' + b for b in backs] + ['libevent'])
        FIG.metric('timers_ns.' + m, {k: [x * 1000 / each for x in v] for k, v in vals.items()}, 'lower',
                   systems=['jevent-' + b for b in backs] + ['libevent'])
        FIG.metric('timers_alloc.' + m, {'jevent-' + b: [by[b]['alloc'] / each] for b in by
                                         if by[b]['alloc'] is not None}, 'lower', 1,
                   systems=['jevent-' + b for b in backs])
        w('| `%s` | %s | %s | %s | %s |' % (m, ' | '.join(med_range(st[b]) for b in backs), med_range(ls),
                                           fmt(r, 2) if r else 'n/a',
                                           ', '.join(fmt(by[b]['alloc'], 0) if b in by else 'n/a' for b in backs)))
        if m == 'addRemove':
            entries = [('jevent-' + b, st[b]) for b in backs] + [('libevent', ls)]
    w('')
    img = chart('timers', 'Add and remove %s timers, random deadlines' % fmt(n), 'µs per batch (lower is better)', entries)
    if img:
        w('![timers](%s)' % img)
        w('')


if __name__ == '__main__':
    sys.exit(main())

"""The report of the comparison: docs/benchmarks.md (and docs/img/*.png) from the results of one run.

cmp.py measures and hands its results dict to `write_report`, which writes the report and, beside it, the results
themselves (docs/benchmarks-results.json, committed, so that the report can be made again from a clean clone:
`cmp.py --report-from FILE`). `check` (`cmp.py --check`) makes the report again in memory from the committed results
and fails when docs/benchmarks.md differs or the notes template holds a figure typed by hand. The sections register
every figure they show in a `notes.Figures`, from which the notes (benchmarks/report-notes.md) are filled in.
Only the Python standard library is used.
"""
import difflib
import json
import os
import statistics
import subprocess
import sys
import time

from notes import Figures, NotesError, fill, fmt, lint, stats

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, 'benchmarks')
WORK = os.path.join(BENCH, 'target', 'cmp')
REPORT = os.path.join(ROOT, 'docs', 'benchmarks.md')
RESULTS = os.path.join(ROOT, 'docs', 'benchmarks-results.json')  # committed with the report: the figures it shows
NOTES = os.path.join(BENCH, 'report-notes.md')
# The peers the jevent servers are held against ("best of Netty and plain NIO"), and those of the io_uring goals.
PEERS = ('netty-epoll', 'netty-uring', 'netty-nio', 'plain-nio')
URING = 'jevent-uring'
URING_PEERS = ('netty-epoll', 'netty-uring', 'plain-nio')
# A fixed, pre-touched heap: the JVM's RSS then no longer moves with the heap it commits or gives back, and the RSS
# growth per idle connection is the native memory (JNA scratch, direct buffers, malloc) the server uses for it.
JAVA_OPTS = ['-Xms256m', '-Xmx256m', '-XX:+AlwaysPreTouch', '-XX:+UseG1GC']
BASELINE = 'jevent-epoll'
# Many cores: a group of 1 and 2 loops against Netty's EventLoopGroup of 1 and 2 threads, per transport.
MC_PAIRS = (('epoll', 'jevent-epoll', 'netty-epoll'), ('io_uring', 'jevent-uring', 'netty-uring'))
MC_LOOPS = (1, 2)
MC_CONNS = 64
FIG = None  # the Figures of the report being rendered


def log(*a):
    print('[cmp %s]' % time.strftime('%H:%M:%S'), *a, flush=True)


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
    elif cpus is None:
        w('The client is one C thread on the same machine, sharing its CPUs with the server\'s loops (how many '
          'CPUs the run had is not recorded): with fewer than three, the scaling ratio measures the cost of the '
          'second loop more than what it gives.')
    else:
        w('The client is one C thread on the same machine (%d CPUs), so two server loops and the client can each '
          'have a core: the scaling ratio shows what the second loop gives.' % cpus)
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
        log('these results do not record their machine (written by an older cmp.py): the report says so')
        R['machine'] = [('Machine', 'not recorded in these results (written by an older cmp.py)')]
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
      'well above %s means others were running too |' % (R.get('load_start', '?'), R.get('load_end', '?'),
                                                         nproc(R) or 'the number of CPUs'))
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
    raw = {}  # N/A/W -> column -> samples
    alloc = {}
    for r in R['dispatch']:
        k = '%s/%s/%s' % (r['params']['numPipes'], r['params']['active'], r['params']['writes'])
        col = ('jevent-' + r['params']['backend']) if 'backend' in r['params'] else 'plain-nio (%s)' % r['params']['pair']
        raw.setdefault(k, {})[col] = r['samples']
        alloc.setdefault(k, {})[col] = r['alloc']
    for k, v in R.get('dispatch_libevent', {}).items():
        raw.setdefault(k, {})['libevent'] = v
    for k, v in R.get('dispatch_libevent_pipe', {}).items():
        raw.setdefault(k, {})['libevent (pipe)'] = v
    table = {k: {c: stats(v) for c, v in t.items()} for k, t in raw.items()}
    cols = [c for c in cols if any(c in t for t in table.values())]
    for k in table:
        FIG.metric('dispatch[%s]' % k, raw[k], 'lower', systems=cols)
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

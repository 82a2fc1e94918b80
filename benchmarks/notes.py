"""The notes of docs/benchmarks.md as a template filled from the run, and the check that keeps them so.

benchmarks/report-notes.md is prose with placeholders, `{{...}}`; cmp.py registers every figure of the run here
(`Figures`) while it writes the tables, then `fill` replaces each placeholder by its figure. A placeholder that names
no figure is an error, so is a digit written outside a placeholder (`lint`): a number typed into the notes would go
stale at the next run. Figures that a run cannot take (profiles) go into a "Measured separately" block, which must say
its date and the command used, and which the lint leaves alone.

Placeholders:
  {{METRIC:SYS}}            median of SYS's figures (e.g. {{pingpong:jevent-epoll}})
  {{METRIC:SYS.range}}      their min–max
  {{METRIC:A/B}}            ratio of the medians of A and B
  {{METRIC:A//B}}           paired ratio: median of the per-repetition ratios A/B (interleaved metrics only)
  {{METRIC:A//B.range}}     their min–max
  {{METRIC:A~B}}            a verdict: "ahead of", "mostly ahead of", "level with", "mostly behind", "behind"
  {{METRIC:A?B}}            "more than", "about as much as" (medians within 5 %) or "less than"
  {{METRIC:min}}, {{METRIC:max}}            lowest and highest median over every measured system
  {{METRIC:min(A,B,...)}}, {{METRIC:max(A,B,...)}}   the same over the systems named
  {{goal.ID}}               "met", "missed" or "not measured"; {{goal.ID.value}}, {{goal.ID.peer}} its figure and
                            the peer it was held against
  {{goals.met}}, {{goals.total}}, {{goals.missed}} (the missed goals' titles as the items of a Markdown list, one
                            per line: write it after "- "; "none" when every goal is met)
  {{run.NAME}}              a fact of the run (cpus, reps, date, mode, idle_n)
Only the Python standard library is used.
"""
import difflib
import re
import statistics

PLACEHOLDER = re.compile(r'\{\{(.*?)\}\}')
SEPARATELY = '> **Measured separately'
DATE = re.compile(r'\b\d{4}-\d{2}-\d{2}\b')


class NotesError(Exception):
    """The template names a figure the run does not have, or is malformed."""


def fmt(x, digits=None):
    if x is None:
        return 'n/a'
    if digits is None:
        digits = 0 if abs(x) >= 100 else (1 if abs(x) >= 10 else 2)
    return '{:,.{}f}'.format(x, digits)


def stats(values):
    """(median, min, max) of a non-empty list; None for an empty one."""
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def verdict(r, better):
    """Words for a ratio's (median, min, max), A over B: how A stands against B."""
    med, lo, hi = r
    up, down = ('ahead of', 'behind') if better == 'higher' else ('behind', 'ahead of')  # A above B is A's up
    if lo > 1.0:
        return up
    if hi < 1.0:
        return down
    if med >= 1.05:
        return 'mostly ' + up
    if med <= 1 / 1.05:
        return 'mostly ' + down
    return 'level with'


class Metric:
    def __init__(self, values, better, digits, paired, systems):
        self.values = {s: list(v) for s, v in values.items()}
        self.better = better
        self.digits = digits
        self.paired = paired
        self.systems = set(systems) | set(values)  # the names a placeholder may use (n/a when not measured)

    def stats(self, s):
        return stats(self.values.get(s) or [])

    def ratio_stats(self, a, b):
        """(median, min, max) of the per-repetition ratios a/b for a paired metric; otherwise the ratio of the
        medians with the extreme ratios of the two min–max ranges (min of a / max of b, max of a / min of b)."""
        if self.paired:
            return stats([x / y for x, y in zip(self.values.get(a) or [], self.values.get(b) or []) if y])
        sa, sb = self.stats(a), self.stats(b)
        if not (sa and sb and sb[0] and sb[1]):
            return None
        return sa[0] / sb[0], sa[1] / sb[2], sa[2] / sb[1]


class Figures:
    """Every figure of one run that the notes may quote, registered by the report's sections."""

    def __init__(self, systems, run):
        self.systems = list(systems)
        self.metrics = {}
        self.goals = []
        self.run = dict(run)

    def metric(self, name, values, better='higher', digits=None, paired=False, systems=None):
        """values: system -> list of per-repetition figures (aligned by repetition when paired)."""
        self.metrics[name] = Metric(values, better, digits, paired, self.systems if systems is None else systems)

    def goal(self, gid, title, measured, ok, value=None, peer=None):
        if any(g['id'] == gid for g in self.goals):
            raise ValueError('goal id %s twice' % gid)
        self.goals.append(dict(id=gid, title=title, measured=measured, ok=bool(ok), value=value, peer=peer))

    # ------------------------------------------------------------------------------------------ placeholders

    def resolve(self, expr):
        expr = expr.strip()
        if ':' in expr:
            name, rest = expr.split(':', 1)
            if name not in self.metrics:
                raise NotesError('no metric "%s"%s' % (name, near(name, self.metrics)))
            return self._metric(self.metrics[name], name, rest.strip())
        if expr.startswith('goal.'):
            return self._goal(expr[len('goal.'):])
        if expr == 'goals.met':
            return str(sum(1 for g in self.goals if g['ok']))
        if expr == 'goals.total':
            return str(len(self.goals))
        if expr == 'goals.missed':
            missed = [g['title'] for g in self.goals if not g['ok']]
            return '\n- '.join(missed) if missed else 'none'
        if expr.startswith('run.') and expr[len('run.'):] in self.run:
            return str(self.run[expr[len('run.'):]])
        raise NotesError('no figure "%s"%s' % (expr, near(expr, ['goal.' + g['id'] for g in self.goals] +
                                                         ['run.' + k for k in self.run] +
                                                         ['goals.met', 'goals.total', 'goals.missed'])))

    def _system(self, m, name, s):
        if s not in m.systems:
            raise NotesError('metric "%s" has no system "%s"%s' % (name, s, near(s, m.systems)))
        return s

    def _metric(self, m, name, rest):
        agg = re.fullmatch(r'(min|max)(?:\((.*)\))?', rest)
        if agg:
            names = [self._system(m, name, s.strip()) for s in agg.group(2).split(',')] if agg.group(2) else m.systems
            meds = [m.stats(s)[0] for s in names if m.stats(s)]
            return fmt((min if agg.group(1) == 'min' else max)(meds), m.digits) if meds else 'n/a'
        rng = rest.endswith('.range')
        if rng:
            rest = rest[:-len('.range')]
        for op in ('//', '/', '~', '?'):
            if op in rest:
                a, b = (self._system(m, name, x.strip()) for x in rest.split(op, 1))
                if op == '//' and not m.paired:
                    raise NotesError('metric "%s" is not interleaved: no paired ratio (use A/B)' % name)
                if op != '//' and rng:
                    raise NotesError('"%s": .range only follows SYS or A//B' % rest)
                if op in ('/', '?'):  # the medians
                    sa, sb = m.stats(a), m.stats(b)
                    if not (sa and sb and sb[0]):
                        return 'n/a'
                    q = sa[0] / sb[0]
                    if op == '/':
                        return fmt(q, 2)
                    return 'more than' if q > 1.05 else 'less than' if q < 1 / 1.05 else 'about as much as'
                r = m.ratio_stats(a, b)
                if r is None:
                    return 'n/a'
                if op == '~':
                    return verdict(r, m.better)
                return '%s–%s' % (fmt(r[1], 2), fmt(r[2], 2)) if rng else fmt(r[0], 2)
        s = m.stats(self._system(m, name, rest))
        if s is None:
            return 'n/a'
        return '%s–%s' % (fmt(s[1], m.digits), fmt(s[2], m.digits)) if rng else fmt(s[0], m.digits)

    def _goal(self, rest):
        gid, field = rest, ''
        for f in ('value', 'peer', 'measured'):
            if rest.endswith('.' + f):
                gid, field = rest[:-len(f) - 1], f
        g = next((g for g in self.goals if g['id'] == gid), None)
        if g is None:
            raise NotesError('no goal "%s"%s' % (gid, near(gid, [g['id'] for g in self.goals])))
        if field == 'value':
            return g['value'] if g['value'] is not None else 'n/a'
        if field == 'peer':
            return g['peer'] or 'n/a'
        if field == 'measured':
            return g['measured']
        if g['value'] is None and not g['ok']:
            return 'not measured'
        return 'met' if g['ok'] else 'missed'


def near(name, names):
    m = difflib.get_close_matches(name, list(names), n=3)
    return ' (did you mean %s?)' % ', '.join(m) if m else ''


def fill(template, figures):
    """The template with every placeholder replaced; NotesError lists every placeholder that names no figure."""
    errors = []

    def one(mt):
        try:
            return figures.resolve(mt.group(1))
        except NotesError as e:
            errors.append('{{%s}}: %s' % (mt.group(1), e))
            return mt.group(0)

    out = PLACEHOLDER.sub(one, template)
    if not errors and ('{{' in out or '}}' in out):
        errors.append('an unmatched "{{" or "}}"')
    if errors:
        raise NotesError('benchmarks/report-notes.md: ' + '; '.join(errors))
    return out


def lint(template):
    """Problems of the template: a digit outside placeholders, code spans and "Measured separately" blocks (a figure
    typed by hand), and such a block without a date (YYYY-MM-DD) or without the command used (a code span)."""
    problems = []
    block = None  # (first line number, text) of the "Measured separately" block being read

    def close(b):
        if b and not DATE.search(b[1]):
            problems.append('line %d: a "Measured separately" block needs its date (YYYY-MM-DD)' % b[0])
        if b and '`' not in b[1]:
            problems.append('line %d: a "Measured separately" block needs the command used, in `code`' % b[0])

    for i, line in enumerate(template.split('\n'), 1):
        if line.startswith(SEPARATELY):
            close(block)
            block = (i, line)
            continue
        if block and line.startswith('>'):
            block = (block[0], block[1] + '\n' + line)
            continue
        close(block)
        block = None
        bare = re.sub(r'`[^`]*`', '', PLACEHOLDER.sub('', line))
        for m in re.finditer(r'\S*\d\S*', bare):
            problems.append('line %d: "%s" is a number typed by hand: use a placeholder, or move it into a '
                            '"Measured separately" block' % (i, m.group(0)))
    close(block)
    return problems

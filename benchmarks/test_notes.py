"""Tests of the report check (`cmp.py --check`) and of the notes template (notes.py), on the committed files.

Run from the top of the repository: `python3 -B -m unittest benchmarks/test_notes.py` (standard library only; nothing
is built or measured).
"""
import contextlib
import io
import os
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402
from notes import Figures, NotesError, fill, lint, verdict  # noqa: E402


def run_check(**paths):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = report.check(**paths)
    return rc, err.getvalue()


class CheckTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def copy(self, path, edit=None):
        with open(path, encoding='utf-8') as f:
            text = f.read()
        if edit:
            old, new = edit
            self.assertIn(old, text)
            text = text.replace(old, new, 1)
        out = os.path.join(self.tmp, os.path.basename(path))
        with open(out, 'w', encoding='utf-8') as f:
            f.write(text)
        return out

    def test_committed_report_is_what_the_committed_results_make(self):
        rc, err = run_check()
        self.assertEqual(0, rc, err)

    def test_a_figure_edited_by_hand_in_the_report_fails(self):
        with open(report.REPORT, encoding='utf-8') as f:
            line = next(l for l in f if l.startswith('| jevent-epoll | ') and '(' in l)
        figure = line.split('|')[2].split()[0]  # e.g. 14,536
        edited = line.replace(figure, figure[:-1] + ('1' if figure[-1] != '1' else '2'), 1)
        rc, err = run_check(report=self.copy(report.REPORT, (line, edited)))
        self.assertEqual(1, rc)
        self.assertIn('docs/benchmarks.md is not what', err)
        self.assertIn('-' + edited.rstrip('\n'), err)

    def test_a_number_typed_into_the_notes_fails_even_with_the_report_regenerated(self):
        notes = self.copy(report.NOTES, ('{{pingpong:min}}', '13,969'))
        # the report made from these notes, so that only the lint can object
        report.DRAW = False
        saved, report.NOTES = report.NOTES, notes
        try:
            import json
            with open(report.RESULTS, encoding='utf-8') as f:
                text = report.render_report(json.load(f))
        finally:
            report.NOTES = saved
        made = os.path.join(self.tmp, 'benchmarks.md')
        with open(made, 'w', encoding='utf-8') as f:
            f.write(text)
        rc, err = run_check(report=made, notes=notes)
        self.assertEqual(1, rc)
        self.assertIn('"13,969" is a number typed by hand', err)
        self.assertNotIn('is not what', err)

    def test_an_unknown_placeholder_fails(self):
        rc, err = run_check(notes=self.copy(report.NOTES, ('{{goal.stream}}', '{{goal.streaming}}')))
        self.assertEqual(1, rc)
        self.assertIn('no goal "streaming"', err)


class LintTest(unittest.TestCase):
    def test_numbers_outside_placeholders_code_and_measured_blocks_are_reported(self):
        text = '\n'.join([
            'jevent streams {{stream:jevent-epoll}} MB/s with `maxRead=131072`,',
            'about 1.4 GB/s, and 3× libevent',
            '',
            '> **Measured separately** (2026-11-23): `perf record -F 2999`, kernel 53 %',
            '> and 14 % in JNA',
            '',
            'after the block: ≈30 %'])
        problems = lint(text)
        self.assertEqual(['1.4', '3×', '≈30'], [p.split('"')[1] for p in problems])
        self.assertTrue(all(p.startswith(('line 2:', 'line 7:')) for p in problems), problems)

    def test_a_measured_separately_block_needs_its_date_and_command(self):
        problems = lint('> **Measured separately**: kernel 53 %\n\ntext')
        self.assertTrue(any('needs its date' in p for p in problems), problems)
        self.assertTrue(any('needs the command used' in p for p in problems), problems)


class FiguresTest(unittest.TestCase):
    def figures(self):
        f = Figures(['a', 'b', 'c'], dict(cpus=2))
        f.metric('rate', {'a': [100.0, 110.0, 90.0], 'b': [50.0, 100.0, 100.0]}, 'higher', paired=True)
        f.metric('time', {'a': [10.0, 11.0], 'b': [20.0, 21.0]}, 'lower')
        f.goal('fast', 'a at least as fast as b', '1.10×', True, '1.10', 'b')
        f.goal('slow', 'a twice b', '1.10×', False, '1.10', 'b')
        return f

    def test_placeholders(self):
        f = self.figures()
        self.assertEqual('100 | 90.0–110 | 1.00 | 1.10 | 0.90–2.00 | n/a',
                         fill('{{rate:a}} | {{rate:a.range}} | {{rate:a/b}} | {{rate:a//b}} | {{rate:a//b.range}} | '
                              '{{rate:c}}', f))
        self.assertEqual('mostly ahead of, ahead of, about as much as, less than',
                         fill('{{rate:a~b}}, {{time:a~b}}, {{rate:a?b}}, {{time:a?b}}', f))
        self.assertEqual('met, missed, 1.10 against b; 1 of 2; 2',
                         fill('{{goal.fast}}, {{goal.slow}}, {{goal.slow.value}} against {{goal.slow.peer}}; '
                              '{{goals.met}} of {{goals.total}}; {{run.cpus}}', f))
        self.assertEqual('- a twice b', fill('- {{goals.missed}}', f))
        self.assertEqual('10.5 20.5 10.5', fill('{{time:min}} {{time:max}} {{time:min(a,c)}}', f))

    def test_unknown_names_are_errors_naming_what_exists(self):
        f = self.figures()
        for bad, says in (('{{rates:a}}', 'no metric "rates" (did you mean rate?)'),
                          ('{{rate:d}}', 'no system "d"'),
                          ('{{time:a//b}}', 'not interleaved'),
                          ('{{goal.fas}}', 'no goal "fas" (did you mean fast?)'),
                          ('{{nothing}}', 'no figure "nothing"'),
                          ('{{rate:a}', 'unmatched')):
            with self.assertRaises(NotesError, msg=bad) as e:
                fill(bad, f)
            self.assertIn(says, str(e.exception))

    def test_verdicts(self):
        self.assertEqual('ahead of', verdict((1.2, 1.1, 1.3), 'higher'))
        self.assertEqual('behind', verdict((1.2, 1.1, 1.3), 'lower'))
        self.assertEqual('mostly behind', verdict((0.9, 0.8, 1.1), 'higher'))
        self.assertEqual('level with', verdict((0.97, 0.8, 1.1), 'higher'))
        self.assertEqual('mostly ahead of', verdict((0.9, 0.8, 1.1), 'lower'))
        self.assertEqual('ahead of', verdict((0.0, 0.0, 0.0), 'lower'))  # a zero (no RSS growth) is no error
        self.assertEqual('mostly behind', verdict((0.95, 0.8, 1.1), 'higher'))  # five per cent either way


if __name__ == '__main__':
    unittest.main()

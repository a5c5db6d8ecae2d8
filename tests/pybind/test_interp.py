"""borf.q in-process: evaluation, errors, globals, calls with Python arguments."""

import signal
import subprocess
import sys
import threading
import time

import pytest

import borf
from borf import q


def test_eval_returns_q():
    r = q("1+1")
    assert isinstance(r, borf.Q)
    assert r.type == -7
    assert r.py() == 2


def test_assignment_and_silent_lines_are_identity():
    r = q("a:42")
    assert r.type == 101
    assert r.py() is None
    assert q("a").py() == 42


def test_multiline_text_runs_every_chunk():
    r = q("f:{[x]\n  x*2\n  }\nf 21")
    assert r.py() == 42


def test_system_command():
    q("\\c 20 60")
    assert q('system"c"').py() == [20, 60]
    assert q("\\t 1+1").type == -7


def test_error_carries_q_name():
    with pytest.raises(borf.QError) as e:
        q("1+`a")
    assert e.value.name == "type"
    assert e.value.args[0] == "type"


def test_signal_carries_user_text():
    with pytest.raises(borf.QError) as e:
        q("'\"custom problem\"")
    assert e.value.name == "custom problem"


def test_undefined_name_error():
    with pytest.raises(borf.QError) as e:
        q("nosuchname_xyz")
    assert e.value.name == "nosuchname_xyz"


def test_parse_error():
    with pytest.raises(borf.QError) as e:
        q("(1;2")
    assert e.value.name == ")"


def test_interpreter_survives_errors():
    for _ in range(3):
        with pytest.raises(borf.QError):
            q("1 2+1 2 3")
    assert q("1 2+1 2").py() == [2, 4]


def test_globals_get_set():
    q["g1"] = 7
    assert q("g1").py() == 7
    assert q["g1"].py() == 7
    q["g2"] = [1.5, 2.5]
    assert q("type g2").py() == 9
    q[".ns.v"] = "sym"
    assert q(".ns.v").py() == "sym"
    with pytest.raises(borf.QError):
        q["never_defined_name"]


def test_set_global_from_q_value():
    q["g3"] = q("til 3")
    assert q("g3").py() == [0, 1, 2]


def test_call_named_function_with_python_arguments():
    q("add:{x+y}")
    assert q("add", 1, 2).py() == 3
    assert q("add", [1, 2], 10).py() == [11, 12]
    assert q("{x,y}", [1, 2], 3).py() == [1, 2, 3]
    assert q("+", 1.5, 2).py() == 3.5


def test_call_with_strings_symbols_and_bytes():
    # str is a symbol, bytes a string: as PyKX
    assert q("type", "abc").py() == -11
    assert q("type", b"abc").py() == 10
    assert q("count", b"abcd").py() == 4
    assert q("{`$x}", b"hello").py() == "hello"


def test_call_error():
    q("boom:{'`nope}")
    with pytest.raises(borf.QError) as e:
        q("boom", 1)
    assert e.value.name == "nope"


def test_q_function_value_is_callable():
    f = q("{x*y}")
    assert f.type == 100
    assert f(6, 7).py() == 42
    proj = q("+[10]")
    assert proj(5).py() == 15


def test_indexing_is_application():
    v = q("10 20 30")
    assert v[1].py() == 20
    assert v[[0, 2]].py() == [10, 30]
    d = q("`a`b!1 2")
    assert d["b"].py() == 2
    t = q("([]a:1 2;b:`x`y)")
    assert t["b"].py() == ["x", "y"]


def test_len_repr_eq():
    v = q("til 4")
    assert len(v) == 4
    assert repr(v) == "0 1 2 3"
    assert v == q("0 1 2 3")
    assert v == [0, 1, 2, 3]
    assert not (v == [0, 1, 2])
    assert repr(q("([]a:1 2)")) == "a\n-\n1\n2"


def test_exit_raises_system_exit_and_interpreter_goes_on():
    with pytest.raises(SystemExit) as e:
        q("exit 3")
    assert e.value.code == 3
    assert q("1+2").py() == 3


def test_threads_share_one_interpreter():
    q("counter:0")
    errors = []

    def work():
        try:
            for _ in range(50):
                q("counter+:1")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    assert q("counter").py() == 200


def test_deep_recursion_is_q_stack_error():
    with pytest.raises(borf.QError) as e:
        q("{.z.s x+1} 0")
    assert e.value.name == "stack"
    assert q("1").py() == 1


def test_ctrl_c_stops_a_running_evaluation():
    # in a child process: SIGINT while q runs stops it ('stop) and raises
    # KeyboardInterrupt; the interpreter then goes on
    code = (
        "import sys, borf\n"
        "borf.q('1')\n"
        "print('ready', flush=True)\n"
        "try:\n"
        "    borf.q('do[4000000000;a:1]')\n"
        "    print('finished')\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', borf.q('1+1').py())\n"
    )
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.readline().strip() == b"ready"
    time.sleep(0.5)
    t0 = time.time()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert out.strip() == b"interrupted 2", err
    assert time.time() - t0 < 10


def test_iteration_ends():
    assert [x.py() for x in q("1 2 3")] == [1, 2, 3]
    assert [r.py() for r in q("([]a:1 2;b:`x`y)")] == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
    assert [x.py() for x in q("`a`b!10 20")] == [10, 20]
    assert 2 in [x.py() for x in q("(1;2;`c)")]
    with pytest.raises(TypeError):
        iter(q("5"))


def test_gil_is_released_while_q_runs():
    done = threading.Event()
    ticks = []

    def long_q():
        q("do[3000000;a:1]")
        done.set()

    t = threading.Thread(target=long_q)
    t.start()
    # this thread keeps running Python while the other waits for q
    while not done.is_set():
        ticks.append(1)
        time.sleep(0.001)
    t.join()
    assert len(ticks) > 5

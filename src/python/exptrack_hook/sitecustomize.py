# exptrack's zero-code Python hook. exptrack puts this folder first on PYTHONPATH for the Python
# processes it records (`exptrack run`, exptrack tasks, terminals of the editor), so Python's `site`
# imports this file at start-up, as it does for coverage.py's and debuggers' hooks. When the process
# has a channel (EXPTRACK_METRICS_FILE, or EXPTRACK_HOOK_SPOOL in a terminal) it loads
# _exptrack_hook.py, which reports what only the process knows (docs/recording.md, "The Python hook").
# Either way it then runs the sitecustomize it hides, if any. Rules: it never changes what the program
# does or sees (sys.path is left as without it), every part is guarded, start-up costs about a
# millisecond, and without a channel it does nothing else. Python 3.8+; older versions only pass on.
# Kept small: this file is compiled at every start when PYTHONDONTWRITEBYTECODE is set.
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _exptrack_start():
    env = os.environ
    spool = env.get('EXPTRACK_HOOK_SPOOL')
    channel = env.get('EXPTRACK_METRICS_FILE')
    if sys.version_info < (3, 8) or (not spool and not channel) or env.get('EXPTRACK_PYTHON_HOOK') == '0':
        return
    if '_exptrack_hook' in sys.modules:
        return  # another copy of this hook (a second exptrack folder on PYTHONPATH) runs already
    from importlib.machinery import SourceFileLoader
    name = '_exptrack_hook'
    path = os.path.join(_HERE, name + '.py')
    module = type(sys)(name)
    module.__file__ = path
    module.__loader__ = SourceFileLoader(name, path)
    sys.modules[name] = module
    # Its compiled form is cached beside it even when the program asked Python not to write any for
    # its own code: compiling it costs more than everything else at start-up together.
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = False
    try:
        module.__loader__.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write
    module.start(spool, channel)


def _exptrack_chain():
    """Runs the sitecustomize this one hides (later on sys.path: the user's PYTHONPATH, site-packages),
    as if it had been imported first; `import sitecustomize` then gives that one."""
    # This folder leaves sys.path, and so does the current directory that an otherwise empty
    # PYTHONPATH got from `<this folder>:` (what an editor's terminal environment prepends).
    try:
        parts = os.environ.get('PYTHONPATH', '').split(os.pathsep)
        if len(parts) > 1 and parts[-1] == '' and os.path.isfile(os.path.join(parts[-2], '_exptrack_hook.py')):
            last = os.path.abspath(parts[-2])  # a hook folder (this one, or another exptrack's) ends it
            if last in sys.path:
                i = sys.path.index(last)
                if i + 1 < len(sys.path) and sys.path[i + 1] == os.getcwd():
                    del sys.path[i + 1]
        sys.path[:] = [p for p in sys.path if p != _HERE]
    except Exception:
        pass
    from importlib.machinery import PathFinder
    spec = PathFinder.find_spec('sitecustomize', [p for p in sys.path if os.path.abspath(p or '.') != _HERE])
    if spec is None or spec.loader is None:
        return
    module = type(sys)('sitecustomize')
    module.__file__ = spec.origin
    module.__spec__ = spec
    module.__loader__ = spec.loader
    sys.modules['sitecustomize'] = module
    spec.loader.exec_module(module)  # its errors reach site, which reports them as it would without us


try:
    _exptrack_start()
except Exception:
    pass
_exptrack_chain()

# The body of exptrack's Python hook, loaded by sitecustomize.py only when the process is recorded
# (see the notes there). A module of its own so that its compiled form is cached (sitecustomize.py
# is compiled at every start when PYTHONDONTWRITEBYTECODE is set, which many images set).
import os
import sys

def start(spool, channel):
    """Starts reporting: to a file of its own in `spool` (a terminal), else appending to `channel`."""
    env = os.environ
    pid = os.getpid()
    started = _now_ms()
    if spool:
        # A terminal: one file per process, named so the editor can give it to the run of the
        # command that started it (session id = the terminal's shell; start time in ms).
        try:
            sid = os.getsid(0)
        except Exception:
            sid = 0
        channel = os.path.join(spool, '%d-%d-%d.jsonl' % (sid, started, pid))
    state = _State(channel, pid)
    workspace = env.get('EXPTRACK_WORKSPACE') or os.getcwd()
    state.roots = _roots(workspace)
    state.skip_prefixes = tuple(set(os.path.join(p, '') for p in (sys.prefix, sys.base_prefix, sys.exec_prefix) if p))
    # The first Python process of a run lists the distributions; its children (workers) need not.
    state.root_process = env.get('EXPTRACK_HOOK_ROOT') in (None, '', str(pid))
    if state.root_process:
        env['EXPTRACK_HOOK_ROOT'] = str(pid)
    record = {'exptrack': 'python', 'startedAt': started}
    record.update(_interpreter())
    state.emit(record)  # opens the channel before the audit hook exists: the hook never sees its own open
    sys.addaudithook(state.audit)
    if 'argparse' in sys.modules:
        _patch_argparse(sys.modules['argparse'], state)
    else:
        sys.meta_path.insert(0, _ArgparseFinder(state))
    import atexit
    atexit.register(state.at_exit)


def _now_ms():
    import time
    return int(time.time() * 1000)


def _roots(workspace):
    roots = [os.path.join(os.path.abspath(workspace), '')]
    try:
        real = os.path.join(os.path.realpath(workspace), '')
        if real != roots[0]:
            roots.append(real)
    except Exception:
        pass
    return tuple(roots)


def _interpreter():
    sp = []
    try:
        import site
        sp = list(site.getsitepackages())
        user = site.getusersitepackages()
        if user:
            sp.append(user)
    except Exception:
        pass
    impl = sys.implementation.name
    return {
        'executable': sys.executable,
        'version': sys.version.split()[0],
        'implementation': {'cpython': 'CPython', 'pypy': 'PyPy'}.get(impl, impl),
        'prefix': sys.prefix,
        'base': sys.base_prefix,
        'conda': os.environ.get('CONDA_PREFIX'),
        'sitePackages': sp,
    }


# Folders whose files are never data or models of the run (as the recorder's workspace scan skips them).
_SKIP_PARTS = frozenset(['.git', '.exptrack', 'node_modules', '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache',
                         '.pytest_cache', '.ipynb_checkpoints', 'site-packages', 'dist-packages', '.cache'])
_SKIP_EXT = ('.py', '.pyc', '.pyo', '.pyi', '.pyd', '.so', '.pth', '.lock')
_MAX_FILES = 2000


class _State(object):
    def __init__(self, channel, pid):
        self.channel = channel
        self.pid = pid
        self.fd = None
        self.broken = False
        self.cwd = None
        self.roots = ()
        self.skip_prefixes = ()
        self.root_process = False
        self.files = {}  # path -> 'r' | 'w'
        self.dropped = 0
        self.parses = 0

    def emit(self, record):
        if self.broken:
            return
        try:
            record['pid'] = os.getpid()  # a forked worker writes through the same channel
            line = (_json(record) + '\n').encode('utf-8', 'replace')
            if self.fd is None:
                self.fd = os.open(self.channel, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, 'O_CLOEXEC', 0), 0o644)
            os.write(self.fd, line)  # one write per line: lines of several processes never interleave
        except Exception:
            self.broken = True  # the channel is gone: stop trying, never disturb the program

    def audit(self, event, args):
        # Called for every audited event in the process: return at once for all but the few we want.
        if event != 'open' and event != 'os.rename':
            if event == 'os.chdir':
                self.cwd = None  # read again at the next open (the change may yet fail)
            return
        if self.broken:
            return
        try:
            if event == 'open':
                self.opened(args[0], args[1], args[2])
            else:
                self.opened(args[1], 'w', None)  # the target of an atomic save (write a temp file, rename it)
        except Exception:
            pass

    def opened(self, path, mode, flags):
        if isinstance(path, int):
            return
        if not isinstance(path, str):
            path = os.fsdecode(os.fspath(path))
        if path.endswith(_SKIP_EXT):
            return
        if not os.path.isabs(path):
            if self.cwd is None:
                self.cwd = os.getcwd()  # a system call: once per directory change, not per open
            path = os.path.join(self.cwd, path)
        path = os.path.normpath(path)
        if not path.startswith(self.roots) or path.startswith(self.skip_prefixes) or path == self.channel:
            return
        if isinstance(mode, str):
            write = 'w' in mode or 'a' in mode or 'x' in mode or '+' in mode
        elif isinstance(flags, int):
            write = (flags & 3) != os.O_RDONLY or bool(flags & (os.O_CREAT | os.O_TRUNC | os.O_APPEND))
        else:
            write = False
        seen = self.files.get(path)
        if seen == 'w' or seen == '-' or (seen == 'r' and not write):
            return
        if seen is None:
            if len(self.files) >= _MAX_FILES:
                self.dropped += 1
                return
            parts = path.split(os.sep)
            if _SKIP_PARTS.intersection(parts) or parts[1:2] in (['dev'], ['proc'], ['sys']):
                self.files[path] = '-'  # remembered, so it is judged once
                return
        self.files[path] = 'w' if write else 'r'
        self.emit({'exptrack': 'file', 'path': path, 'mode': 'w' if write else 'r'})

    def at_exit(self):
        fd, self.fd = self.fd, None
        self.broken = True  # what happens from here on (our own reads below included) is not reported
        try:
            if self.dropped and fd is not None:
                os.write(fd, (_json({'exptrack': 'file', 'pid': os.getpid(), 'dropped': self.dropped}) + '\n').encode())
            if self.root_process:
                _write_distributions()
        except Exception:
            pass
        finally:
            if fd is not None:
                try:
                    os.close(fd)
                except Exception:
                    pass


def _write_distributions():
    """Lists the installed distributions into the recorder's package cache (packages-<key>.txt), once per
    environment: the key is the one src/core/recorder/pythonInfo.ts computes (interpreter and site-packages
    folders with their mtimes, which change on every install), so a hit costs a few stats."""
    cache = os.environ.get('EXPTRACK_CACHE_DIR')
    if not cache or not os.path.isdir(cache):
        return
    info = _interpreter()
    parts = [info['executable'], _mtime_ns(info['executable'])]
    for p in info['sitePackages']:
        parts += [p, _mtime_ns(p)]
    import hashlib
    key = hashlib.sha256('\0'.join(parts).encode('utf-8', 'surrogateescape')).hexdigest()[:24]
    target = os.path.join(cache, 'packages-%s.txt' % key)
    if os.path.exists(target):
        return
    from importlib import metadata
    names = set()
    for d in metadata.distributions():
        try:
            name = d.metadata['Name']
            if name:
                url = _direct_url(d)
                names.add('%s @ %s' % (name, url) if url else '%s==%s' % (name, d.version))
        except Exception:
            pass
    tmp = '%s.%d.tmp' % (target, os.getpid())
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write('# importlib.metadata\n' + ''.join(n + '\n' for n in sorted(names, key=str.lower)))
    os.replace(tmp, target)


def _direct_url(d):
    """Where a package installed from a URL came from, as `pip freeze` says (`name @ url`), credentials
    left out here already: the cache file is written by this process, before exptrack's redactor
    sees it. Every query value goes (wheel URLs carry signatures and tokens there)."""
    try:
        import json
        from urllib.parse import urlsplit, urlunsplit, parse_qsl
        info = json.loads(d.read_text('direct_url.json') or 'null')
        if not isinstance(info, dict) or not isinstance(info.get('url'), str) or (info.get('dir_info') or {}).get('editable'):
            return None
        if str(info['url']).startswith('file:'):
            return None
        u = urlsplit(info['url'])
        host = u.hostname or ''
        if u.port:
            host += ':%d' % u.port
        query = '&'.join('%s=[redacted]' % k for k, _ in parse_qsl(u.query, keep_blank_values=True))
        url = urlunsplit((u.scheme, host, u.path, query, ''))
        vcs = info.get('vcs_info')
        if isinstance(vcs, dict) and vcs.get('vcs') and vcs.get('commit_id'):
            url = '%s+%s@%s' % (vcs['vcs'], url, vcs['commit_id'])
        return url
    except Exception:
        return None


def _mtime_ns(p):
    try:
        return str(os.stat(p).st_mtime_ns)
    except Exception:
        return '-'


class _ArgparseFinder(object):
    """Patches argparse when the program imports it (importing it here would cost every program)."""

    def __init__(self, state):
        self.state = state
        self.busy = False

    def find_spec(self, name, path=None, target=None):
        if name != 'argparse' or self.busy:
            return None
        self.busy = True
        try:
            spec = None
            for finder in sys.meta_path:
                find = getattr(finder, 'find_spec', None)
                if finder is self or find is None:
                    continue
                spec = find(name, path, target)
                if spec is not None:
                    break
            if spec is None or spec.loader is None or not hasattr(spec.loader, 'exec_module'):
                return spec
            spec.loader = _PatchingLoader(spec.loader, self.state)
            return spec
        except Exception:
            return None
        finally:
            self.busy = False
            try:
                sys.meta_path.remove(self)
            except ValueError:
                pass


class _PatchingLoader(object):
    def __init__(self, inner, state):
        self._inner = inner
        self._state = state

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        self._inner.exec_module(module)
        _patch_argparse(module, self._state)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def _patch_argparse(argparse, state):
    try:
        cls = argparse.ArgumentParser
        original = cls.parse_known_args
        original_init = cls.__init__
    except Exception:
        return

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        # A parser a library makes for itself (Hydra's, of its own flags) is not the script's params;
        # one the script makes, of a library's class (transformers' HfArgumentParser), is.
        try:
            frame = sys._getframe(1)
            while frame is not None and frame.f_code.co_name == '__init__' and frame.f_locals.get('self') is self:
                frame = frame.f_back
            if frame is not None and _is_library(frame.f_code.co_filename, state):
                self._exptrack_library = True
        except Exception:
            pass

    depth = [0]

    def parse_known_args(self, args=None, namespace=None):
        # Subparsers parse through this too, inside the top-level call: only the outermost one counts.
        depth[0] += 1
        try:
            result = original(self, args, namespace)
        finally:
            depth[0] -= 1
        if depth[0] == 0 and state.parses < 8 and (args is None or list(args) == sys.argv[1:]) and not getattr(self, '_exptrack_library', False):
            state.parses += 1
            try:
                state.emit({'exptrack': 'argparse', 'script': _script(), 'params': _namespace_params(self, result[0], argparse)})
            except Exception:
                pass
        return result

    for wrapper, wrapped in ((parse_known_args, original), (__init__, original_init)):
        wrapper.__wrapped__ = wrapped
        wrapper.__doc__ = wrapped.__doc__
    cls.parse_known_args = parse_known_args
    cls.__init__ = __init__


def _is_library(filename, state):
    return filename.startswith(state.skip_prefixes) or 'site-packages' in filename or 'dist-packages' in filename


def _script():
    try:
        return os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] not in ('', '-c', '-m') else None
    except Exception:
        return None


def _namespace_params(parser, namespace, argparse):
    """The namespace as params, each named as the command line names it: the option the user typed
    (`-b` when they typed `-b`), else its first long option (`batch-size`), else its dest."""
    names = {}
    given = set()
    for word in sys.argv[1:]:
        given.add(word.split('=', 1)[0])
    parsers = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            parsers.extend(action.choices.values())
    for p in parsers:
        for action in p._actions:
            opts = list(action.option_strings)
            if not opts or action.dest in names:
                continue
            typed = [o for o in opts if o in given]
            longs = [o for o in opts if o.startswith('--')]
            names[action.dest] = (typed or longs or opts)[0].lstrip(p.prefix_chars) or action.dest
    params = {}
    for dest, value in vars(namespace).items():
        if dest == argparse.SUPPRESS or callable(value):
            continue
        params[names.get(dest, dest)] = _plain(value, 0)
    return params


def _plain(value, depth):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if depth < 4 and isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v, depth + 1) for v in value][:1000]
    if depth < 4 and isinstance(value, dict):
        return dict((str(k), _plain(v, depth + 1)) for k, v in list(value.items())[:1000])
    enum = sys.modules.get('enum')
    if enum is not None and isinstance(value, enum.Enum):
        return value.name
    item = getattr(value, 'item', None)  # a NumPy or torch scalar as a default
    if callable(item) and getattr(value, 'shape', None) == ():
        try:
            plain = item()
            if plain is None or isinstance(plain, (bool, int, float, str)):
                return plain
        except Exception:
            pass
    return str(value)[:4096]


_ESCAPES = dict((i, '\\u%04x' % i) for i in range(32))
_ESCAPES.update({ord('"'): '\\"', ord('\\'): '\\\\', 10: '\\n', 13: '\\r', 9: '\\t'})


def _json(value):
    # A small JSON writer: the json module would cost every program ~2 ms to import.
    if value is None:
        return 'null'
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, str):
        return '"' + value.translate(_ESCAPES) + '"'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and value not in (float('inf'), float('-inf')) else ('NaN' if value != value else ('Infinity' if value > 0 else '-Infinity'))
    if isinstance(value, dict):
        return '{' + ','.join(_json(str(k)) + ':' + _json(v) for k, v in value.items()) + '}'
    if isinstance(value, (list, tuple)):
        return '[' + ','.join(_json(v) for v in value) + ']'
    return _json(str(value))

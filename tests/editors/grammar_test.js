// grammar_test.js - checks the editor grammars in editors/ against real .mstr files.
//
//   make editors        (runs `npm ci` in tests/editors when needed, then this file)
//
// Every examples/**/*.mstr file, the valid programs of the golden tests
// (tests/diagnostics/ok_*.mstr, but one: see mstrFiles) and the focused cases below are
// highlighted twice:
//   - textmate: editors/textmate/mstr.tmLanguage.json through vscode-textmate and
//     vscode-oniguruma, as VS Code does it;
//   - vim: editors/vim in `vim -es` (vim_syntax.js), when a vim with +syntax is installed.
// and editors/vscode's manifest is checked to contribute that same TextMate grammar.
// What each token should be is not written down per file: mstr_scan.js reads the file as
// grammar/lexer.l does and derives the expected scopes from its tokens (operator keywords and
// the name after them, `source NAME: TYPE`, declarations, types, literals, contextual keywords
// as keywords and as names). On top of those: every character inside a C block, and none
// outside one, is C (meta.embedded.block.c; in Vim, inside mstrCBlock); comments are comments;
// C keywords inside a block get the C grammar's scope, so it is really included.
//
// For Vim the TextMate scopes are read as the highlight groups they stand for (VIM_GROUPS);
// scopes with no Vim counterpart (a stream used by name) are checked for TextMate only.
//
// The TextMate C grammar (source.c) is a stub that knows a few C keywords and nothing else: no
// strings, comments or braces. So the nested braces, the '}' inside C strings and comments, and
// the end of each block all rest on our grammar alone, whatever C grammar an editor brings.
// Vim brings its own syntax/c.vim, which is what Vim users get.
//
// Prints each failed check as `FAIL [backend] FILE:LINE:COL: ...` and ends with
// `editors: N passed, M failed` (counting checks); exits 1 if any check failed or no example
// was found.

'use strict';

const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');
const { scan, expectations } = require('./mstr_scan');
const vimSyntax = require('./vim_syntax');

const ROOT = path.resolve(__dirname, '..', '..');
const GRAMMAR = path.join(ROOT, 'editors', 'textmate', 'mstr.tmLanguage.json');
const EMBEDDED = 'meta.embedded.block.c';
const MAX_FAILURES_SHOWN = 12; // per file and backend

// ---- the two backends: each turns a source into a view with has(off, scope) -------------------

// The stand-in for an editor's C grammar: see the top of the file.
const C_STUB = {
    scopeName: 'source.c',
    patterns: [
        { match: '\\b(return|if|else|while|for|do|break|continue|switch|case|default)\\b', name: 'keyword.control.c' },
        { match: '\\b(int|char|void|double|float|long|unsigned|const|static|struct)\\b', name: 'storage.type.c' },
    ],
};

async function textmateBackend() {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
    await oniguruma.loadWASM(wasm);
    const registry = new vsctm.Registry({
        onigLib: Promise.resolve({
            createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
            createOnigString: (s) => new oniguruma.OnigString(s),
        }),
        loadGrammar: async (scopeName) => {
            if (scopeName === 'source.mstr') {
                return vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR);
            }
            if (scopeName === 'source.c') return C_STUB;
            return null;
        },
    });
    const grammar = await registry.loadGrammar('source.mstr');
    if (!grammar) throw new Error(`cannot load ${GRAMMAR}`);
    return {
        name: 'textmate',
        view(src) {
            const scopes = scopesByOffset(grammar, src);
            return {
                has: (off, scope) => (scopes[off] || []).some((s) => s.startsWith(scope)),
                describe: (off) => (scopes[off] || []).slice(1).join(' ') || '(none)',
            };
        },
    };
}

/* The scopes of every character of src: an array indexed by offset (newlines get []). */
function scopesByOffset(grammar, src) {
    const scopes = new Array(src.length).fill([]);
    let stack = vsctm.INITIAL;
    let base = 0;
    for (const line of src.split('\n')) {
        const r = grammar.tokenizeLine(line, stack);
        for (const tok of r.tokens) {
            for (let k = tok.startIndex; k < Math.min(tok.endIndex, line.length); k++) scopes[base + k] = tok.scopes;
        }
        stack = r.ruleStack;
        base += line.length + 1;
    }
    return scopes;
}

// TextMate scope (the first entry that is a prefix of it) -> the Vim highlight groups for it.
const VIM_GROUPS = [
    ['keyword.other.operator.mstr', ['Statement']],
    ['keyword.operator.pipe.mstr', ['Operator']],
    ['keyword.control.c', ['Statement', 'Conditional', 'Repeat']],
    ['keyword.', ['Keyword', 'Statement']],
    ['entity.name.function.mstr', ['Function']],
    ['entity.name.type.mstr', ['Type']],
    ['storage.type.mstr', ['Type']],
    ['entity.name.variable.stream.mstr', ['Identifier']],
    ['entity.name.namespace.mstr', ['Identifier']],
    ['string.quoted.double.mstr', ['String', 'SpecialChar']],
    ['constant.numeric.', ['Number', 'Float']],
    ['constant.language.boolean.mstr', ['Boolean']],
    ['comment.', ['Comment', 'Todo']],
];

function vimBackend(vim) {
    return {
        name: 'vim',
        view(src) {
            const { groups, inC } = vimSyntax.highlight(vim, src);
            return {
                has(off, scope) {
                    if (scope === EMBEDDED) return inC[off];
                    const entry = VIM_GROUPS.find(([prefix]) => scope.startsWith(prefix));
                    return entry ? entry[1].includes(groups[off]) : null; // null: not checked
                },
                describe: (off) => `${inC[off] ? 'in C, ' : ''}${groups[off]}`,
            };
        },
    };
}

// ---- checking ----------------------------------------------------------------------------------

class Checker {
    constructor() {
        this.passed = 0;
        this.failed = 0;
    }

    /* Runs every check on one source with one backend; name is how failures refer to it.
     * extra(check, has, src) adds checks of its own. Returns false if any check failed. */
    file(backend, name, src, extra) {
        let view;
        try {
            view = backend.view(src);
        } catch (e) {
            this.failed++;
            console.log(`FAIL [${backend.name}] ${name}: ${e.message}`);
            return false;
        }
        const { tokens, cblocks, comments } = scan(src);
        const failures = [];
        const has = view.has;
        const check = (ok, off, message) => {
            if (ok === null) return; // this backend cannot tell
            if (ok) {
                this.passed++;
                return;
            }
            this.failed++;
            failures.push(`${name}:${lineCol(src, off)}: ${message}; got: ${view.describe(off)}`);
        };
        /* Every offset in [from, to) that bad() flags: the first one, -1 if none, null if the
         * backend cannot tell. */
        const firstBad = (from, to, bad) => {
            for (let k = from; k < to; k++) {
                const b = bad(k);
                if (b === null) return null;
                if (b) return k;
            }
            return -1;
        };
        const result = (bad, off, message) => check(bad === null ? null : bad < 0, bad < 0 ? off : bad, message);

        for (const e of expectations(tokens)) {
            const bad = firstBad(e.off, e.off + e.len, (k) => {
                const h = has(k, e.want || e.not);
                return h === null ? null : (e.want ? !h : h);
            });
            result(bad, e.off, e.want ? `'${e.text}' should be ${e.want}` : `'${e.text}' should not be ${e.not}`);
        }

        // C blocks: every character inside is C, every one outside is not; C keywords outside C
        // strings and comments get the C grammar's scope.
        const inBlock = new Array(src.length).fill(false);
        for (const b of cblocks) {
            for (let k = b.open + 1; k < b.close; k++) inBlock[k] = true;
            const bad = firstBad(b.open + 1, b.close, (k) => !/\s/.test(src[k]) && !has(k, EMBEDDED));
            result(bad, b.open, `C block from ${lineCol(src, b.open)} to ${lineCol(src, b.close)}: every character should be in ${EMBEDDED}`);
            for (const w of b.words.filter((w) => ['return', 'if', 'while'].includes(w.text))) {
                check(has(w.off, 'keyword.control.c'), w.off, `'${w.text}' in a C block should be the C grammar's keyword.control.c`);
            }
        }
        const leak = firstBad(0, src.length, (k) => !inBlock[k] && has(k, EMBEDDED));
        result(leak, 0, `'${src.slice(leak, leak + 12)}...' is outside every C block but in ${EMBEDDED}`);

        for (const c of comments) {
            const bad = firstBad(c.start, c.end, (k) => !/\s/.test(src[k]) && has(k, 'comment.') === false);
            result(bad, c.start, 'should be a comment');
        }

        if (extra) extra(check, has, src);

        for (const f of failures.slice(0, MAX_FAILURES_SHOWN)) console.log(`FAIL [${backend.name}] ${f}`);
        if (failures.length > MAX_FAILURES_SHOWN) {
            console.log(`FAIL [${backend.name}] ${name}: ... and ${failures.length - MAX_FAILURES_SHOWN} more`);
        }
        return failures.length === 0;
    }
}

function lineCol(src, off) {
    const before = src.slice(0, off);
    return `${before.split('\n').length}:${off - before.lastIndexOf('\n')}`;
}

// ---- the files and the focused cases ------------------------------------------------------------

function mstrFiles() {
    const found = [];
    const walk = (dir) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith('.mstr')) found.push(p);
        }
    };
    walk(path.join(ROOT, 'examples'));
    const diag = path.join(ROOT, 'tests', 'diagnostics');
    for (const name of fs.readdirSync(diag)) {
        // ok_body_scanner.mstr holds the compiler's hardest C bodies (a brace after a line
        // continuation, inside #if 0): the editors' C grammars, which are not ours, end a
        // comment or string at the line's end, so their scopes there differ from the compiler's.
        if (/^ok_.*\.mstr$/.test(name) && name !== 'ok_body_scanner.mstr')
            found.push(path.join(diag, name));
    }
    return found.sort();
}

/* Snippets for what the examples may not show, each with a check of its own on top of the
 * general ones: the text after `marker` (its nth occurrence, from 1) must have scope `want`
 * (or must not have it, with `not`). */
const CASES = [
    {
        name: 'nested braces',
        src: 'n |> map m: i64 { if (value) { while (1) { break; } } return value; } |> sink s = stdout;\n',
        checks: [{ marker: '|> sink', want: 'keyword.operator.pipe.mstr' },
                 { marker: 'return', want: EMBEDDED }],
    },
    {
        name: 'nested braces over lines',
        src: 'n\n  |> filter f {\n       if (value) {\n           return true;\n       }\n       return false;\n     }\n  |> sink s = null;\n',
        checks: [{ marker: 'return false', want: EMBEDDED }, { marker: '|> sink', want: 'keyword.operator.pipe.mstr' }],
    },
    {
        name: "'}' in a C string",
        src: 'n |> inspect p { printf("}\\"}"); return; } |> sink s = null;\n',
        checks: [{ marker: 'return', want: 'keyword.control.c' }, { marker: '|> sink', want: 'keyword.operator.pipe.mstr' }],
    },
    {
        name: "'}' in C comments and a character literal",
        src: 'n\n  |> inspect p {\n       /* } */ char c = \'}\'; // }\n       return;\n     }\n  |> sink s = null;\n',
        checks: [{ marker: 'return', want: EMBEDDED }, { marker: '|> sink', want: 'keyword.operator.pipe.mstr' }],
    },
    {
        name: 'braces inside parentheses in C',
        src: 'k\n  |> stateful_op last: Q (state S) { emit(((Q){ key, 1 })); }\n'
            + '     on_epoch { if (epoch) { emit(((Q){ key, (int[]){ 2 }[0] })); } }\n  |> sink out = stdout;\n',
        checks: [{ marker: 'on_epoch', want: 'keyword.' }, { marker: '|> sink', want: 'keyword.operator.pipe.mstr' }],
    },
    {
        name: 'prelude, distribute and on_epoch',
        src: 'job c { workers = 2; }\nc {\n    #include <string.h>\n    static int f(int x) { if (x) { return 1; } return 0; }\n}\n'
            + 'type T { c: u8; on_epoch: i64; }\n'
            + 'source c_in: T = list(T { c: 1, on_epoch: 2 });\n'
            + 'c_in\n  |> key_by k: u8 { return value.c; } distribute { return 0; }\n'
            + '  |> stateful_op total: i64 (state i64) { *state += value.on_epoch; }\n     on_epoch { emit(*state); }\n'
            + '  |> sink out = stdout;\n',
        checks: [{ marker: 'c {\n', want: 'keyword.other.prelude.mstr' },
                 { marker: 'return 0; }\n}', want: EMBEDDED },
                 { marker: 'type', want: 'keyword.other.declaration.mstr' },
                 { marker: 'c { workers', not: 'keyword.' },
                 { marker: 'distribute', want: 'keyword.' },
                 { marker: 'on_epoch {', want: 'keyword.' },
                 { marker: 'on_epoch: i64', not: 'keyword.' }],
    },
    {
        name: 'contextual keywords as names',
        src: 'by\n  |> window count: tumbling(10) count late sum\n  |> window avg: sliding(10, 5) sum: u64 { return value; }\n'
            + '  |> interval_join late: Pair with by between(-5, 5) { return (Pair){ value, other }; }\n'
            + '  |> union with(count, sum)\n  |> split into into (into_a, count_b) { outputs[0] = true; };\n',
        checks: [{ marker: 'count:', want: 'entity.name.function.mstr' },
                 { marker: 'count late', want: 'keyword.other.aggregate.mstr' },
                 { marker: 'sum\n', want: 'entity.name.variable.stream.mstr' },
                 { marker: 'sum:', want: 'keyword.other.aggregate.mstr' },
                 { marker: 'late:', want: 'entity.name.function.mstr' },
                 { marker: 'tumbling', want: 'keyword.other.window.mstr' },
                 { marker: 'count, sum', want: 'variable.other.stream.mstr' }],
    },
    {
        name: 'strings and record literals are not C',
        src: 'source p: Point = list(Point { x: 1, y: -2 }, Point { x: 0x10, y: 1e3 });\n'
            + 'p |> sink out = text("a; b |> { c }");\n',
        checks: [{ marker: '{ x: 1', not: EMBEDDED }, { marker: 'Point {', want: 'entity.name.type.mstr' },
                 { marker: '"a;', want: 'string.quoted.double.mstr' }, { marker: '-2', want: 'constant.numeric.' }],
    },
];

/* A focused case's own checks: the text at its marker (the nth occurrence, from 1) must have
 * the scope `want`, or must not have `not`. */
function caseChecks(c) {
    return (check, has, src) => {
        for (const k of c.checks) {
            let off = -1;
            for (let n = 0; n < (k.at || 1); n++) off = src.indexOf(k.marker, off + 1);
            if (off < 0) {
                check(false, 0, `marker '${k.marker}' not in the case`);
                continue;
            }
            const h = has(off, k.want || k.not);
            check(h === null ? null : k.want ? h : !h, off,
                `'${k.marker.split('\n')[0]}' should ${k.want ? `be ${k.want}` : `not be ${k.not}`}`);
        }
    };
}

/* editors/vscode: its manifest contributes the language for *.mstr and our grammar (the very
 * file tested above, through the symlink in syntaxes/), with the C blocks mapped to C. */
function checkVscodeExtension(checker) {
    const dir = path.join(ROOT, 'editors', 'vscode');
    const check = (ok, message) => {
        if (ok) checker.passed++;
        else {
            checker.failed++;
            console.log(`FAIL [vscode] editors/vscode: ${message}`);
        }
    };
    let manifest;
    try {
        manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
        JSON.parse(fs.readFileSync(path.join(dir, 'language-configuration.json'), 'utf8'));
    } catch (e) {
        check(false, e.message);
        return;
    }
    const contributes = manifest.contributes || {};
    const language = (contributes.languages || []).find((l) => l.id === 'mstr');
    check(language && (language.extensions || []).includes('.mstr'), "no language 'mstr' for .mstr files");
    const grammar = (contributes.grammars || []).find((g) => g.language === 'mstr');
    check(grammar && grammar.scopeName === 'source.mstr', "no grammar with scopeName source.mstr for 'mstr'");
    if (!grammar) return;
    const file = path.join(dir, grammar.path || '');
    check(fs.existsSync(file) && fs.realpathSync(file) === fs.realpathSync(GRAMMAR),
        `grammar path ${grammar.path} is not ${path.relative(ROOT, GRAMMAR)}`);
    check((grammar.embeddedLanguages || {})[EMBEDDED] === 'c', `embeddedLanguages does not map ${EMBEDDED} to c`);
}

async function main() {
    const backends = [await textmateBackend()];
    const { vim, why } = vimSyntax.findVim();
    if (vim) backends.push(vimBackend(vim));
    else console.log(`editors: ${why}: editors/vim not checked`);

    const checker = new Checker();
    const files = mstrFiles();
    if (!files.some((f) => f.startsWith(path.join(ROOT, 'examples')))) {
        console.log('FAIL no examples/**/*.mstr found');
        checker.failed++;
    }
    for (const backend of backends) {
        let bad = 0;
        for (const f of files) {
            if (!checker.file(backend, path.relative(ROOT, f), fs.readFileSync(f, 'utf8'))) bad++;
        }
        for (const c of CASES) {
            if (!checker.file(backend, `case '${c.name}'`, c.src, caseChecks(c))) bad++;
        }
        console.log(`${backend.name}: ${files.length} files and ${CASES.length} cases, ${bad} with failures`);
    }
    checkVscodeExtension(checker);
    console.log(`editors: ${checker.passed} passed, ${checker.failed} failed`);
    process.exit(checker.failed === 0 ? 0 : 1);
}

main().catch((e) => {
    console.log(`FAIL ${e.stack || e}`);
    console.log('editors: 0 passed, 1 failed');
    process.exit(1);
});

// mstr_scan.js - what grammar/lexer.l says about a .mstr file, for the editor grammar tests.
//
// `scan` reads a file the way the scanner does (comments, strings, which '{' opens a C block
// and where that block ends, which `c` is the prelude keyword) and `expectations` derives from
// its tokens what an editor grammar must say about each token, as TextMate scopes: operator
// keywords and the name after them, `source NAME: TYPE`, declarations, types, literals, and
// contextual keywords where they are keywords and not where they are names. It is a second
// reading of the language, by a scanner rather than by regular expressions line by line:
// where it and a grammar disagree, one of them is wrong.

'use strict';

// ---- what lexer.l knows ----------------------------------------------------------------------

// Checklist: these lists follow grammar/lexer.l (and docs/language.md, "Lexical structure").
const OPERATORS = new Set(['map', 'filter', 'filter_map', 'flat_map', 'inspect', 'key_by',
    'key_local', 'stateful_map', 'stateful_op', 'ttl_map', 'timestamps', 'epochs',
    'inspect_frontier', 'window', 'window_join', 'interval_join', 'union', 'clone', 'split',
    'sink']);
const DECLARATIONS = new Set(['job', 'type', 'source', 'stream']);
const SCALARS = new Set(['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'f32', 'f64',
    'bool', 'str']);
const SOURCE_KINDS = new Set(['list', 'range', 'lines', 'stdin', 'csv', 'nexmark', 'custom']);
const SINK_KINDS = new Set(['stdout', 'null', 'text', 'csv', 'jsonl', 'custom']);
const CONTEXTUAL = new Set([...SOURCE_KINDS, ...SINK_KINDS, 'tumbling', 'sliding', 'session',
    'count', 'sum', 'min', 'max', 'avg', 'reduce', 'state', 'into', 'distribute', 'partitions',
    'position', 'on_epoch', 'on_timer', 'bounded', 'periodic', 'processing_time', 'late', 'with', 'between']);

// The kinds of token `scan` makes: a word is 'op', 'decl', 'dead_letter', 'bool', 'scalar',
// 'ctx' (a contextual keyword), 'c' (the prelude keyword) or 'ident'.
// 'c' is lexer.l's KW_C, which is a name too unless a C block follows.
const isName = (t) => t && (t.kind === 'ident' || t.kind === 'ctx' || t.kind === 'c');

/* Reads src as lexer.l does (a '{' opens a C block in an operator header, after distribute,
 * on_epoch, on_timer or c, and anywhere inside a custom body, which the first '{' after `custom(` opens).
 * Returns { tokens, cblocks, comments }: tokens outside C blocks
 * ({ kind, text, off }; a C block is one token of kind 'cblock'), the C blocks ({ open, close }:
 * offsets of their braces, close = src.length when unterminated, and `words`: offsets of the
 * identifiers in the C code outside C strings and comments) and the comments outside C blocks
 * ({ start, end }). */
function scan(src) {
    const tokens = [];
    const cblocks = [];
    const comments = [];
    let inOpHeader = false; // lexer.l's in_op_header, block_next, custom_header,
    let blockNext = false;  // in_custom_body and last_tok
    let customHeader = 0;
    let inCustomBody = false;
    let lastTok = null;

    const opensOpHeader = (t) => t.kind === 'op' && t.text !== 'sink';
    const continuesOpHeader = (t) => isName(t) || t.kind === 'scalar'
        || t.kind === 'int' || t.kind === 'float' || [':', '(', ')', ',', '-', '<', '>'].includes(t.text)
        || (t.kind === 'op' && t.text === 'map'); // (state map<K, V>)
    const atItemStart = () => lastTok === null || lastTok.text === ';' || lastTok.text === '}'
        || lastTok.kind === 'cblock';
    const push = (t) => {
        tokens.push(t);
        inOpHeader = opensOpHeader(t) || (inOpHeader && continuesOpHeader(t));
        blockNext = (t.kind === 'ctx' && (t.text === 'distribute' || t.text === 'on_epoch' || t.text === 'on_timer'))
            || t.kind === 'c';
        if (customHeader === 2 && continuesOpHeader(t)) customHeader = 2;
        else if (customHeader === 1 && t.text === '(') customHeader = 2;
        else customHeader = t.kind === 'ctx' && t.text === 'custom' ? 1 : 0;
        if (t.kind === 'punct' && (t.text === '}' || t.text === ';')) inCustomBody = false;
        lastTok = t;
    };
    const at = (re, i) => {
        re.lastIndex = i;
        const m = re.exec(src);
        return m ? m[0] : null;
    };

    let i = 0;
    while (i < src.length) {
        const ch = src[i];
        let m;
        if (/\s/.test(ch)) {
            i++;
        } else if (src.startsWith('//', i)) {
            const end = src.indexOf('\n', i);
            comments.push({ start: i, end: end < 0 ? src.length : end });
            i = end < 0 ? src.length : end;
        } else if (src.startsWith('/*', i)) {
            const end = src.indexOf('*/', i + 2);
            comments.push({ start: i, end: end < 0 ? src.length : end + 2 });
            i = end < 0 ? src.length : end + 2;
        } else if ((m = at(/"(?:[^"\\\n]|\\.)*(?:"|\\)?/y, i))) {
            push({ kind: 'string', text: m, off: i });
            i += m.length;
        } else if (src.startsWith('|>', i)) {
            push({ kind: 'pipe', text: '|>', off: i });
            i += 2;
        } else if ((m = at(/0[xX][0-9a-fA-F]+|[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+|[0-9]+/y, i))) {
            push({ kind: /^0[xX]|^[0-9]+$/.test(m) ? 'int' : 'float', text: m, off: i });
            i += m.length;
        } else if ((m = at(/[A-Za-z_][A-Za-z0-9_]*/y, i))) {
            push({ kind: wordKind(m, atItemStart()), text: m, off: i });
            i += m.length;
        } else if (ch === '{' && customHeader === 2 && !inOpHeader && !blockNext && !inCustomBody) {
            push({ kind: 'punct', text: ch, off: i });
            inCustomBody = true;
            i++;
        } else if (ch === '{' && (inOpHeader || blockNext || inCustomBody)) {
            const block = scanCBlock(src, i);
            cblocks.push(block);
            push({ kind: 'cblock', text: src.slice(i, block.close + 1), off: i, block });
            i = block.close + 1;
        } else {
            push({ kind: 'punct', text: ch, off: i });
            i++;
        }
    }
    return { tokens, cblocks, comments };
}

function wordKind(word, itemStart) {
    if (OPERATORS.has(word)) return 'op';
    if (DECLARATIONS.has(word)) return 'decl';
    if (word === 'dead_letter') return 'dead_letter';
    if (word === 'true' || word === 'false') return 'bool';
    if (SCALARS.has(word)) return 'scalar';
    if (CONTEXTUAL.has(word)) return 'ctx';
    if (word === 'c') return itemStart ? 'c' : 'ident';
    return 'ident';
}

/* lexer.l's <CCODE> state from the '{' at `open`: up to the matching '}', skipping braces in C
 * string and character literals and comments. */
function scanCBlock(src, open) {
    const words = [];
    let depth = 1;
    let j = open + 1;
    const skip = (re) => {
        re.lastIndex = j;
        const m = re.exec(src);
        return m ? m[0].length : 1;
    };
    while (j < src.length) {
        const ch = src[j];
        if (ch === '{') {
            depth++;
            j++;
        } else if (ch === '}') {
            if (--depth === 0) return { open, close: j, words };
            j++;
        } else if (ch === '"') {
            j += skip(/"(?:[^"\\\n]|\\.)*"/y);
        } else if (ch === "'") {
            j += skip(/'(?:[^'\\\n]|\\.)*'/y);
        } else if (src.startsWith('//', j)) {
            j += skip(/\/\/[^\n]*/y);
        } else if (src.startsWith('/*', j)) {
            j += skip(/\/\*[\s\S]*?\*\//y);
        } else if (/[A-Za-z_]/.test(ch)) {
            const n = skip(/[A-Za-z_][A-Za-z0-9_]*/y);
            words.push({ off: j, text: src.slice(j, j + n) });
            j += n;
        } else {
            j++;
        }
    }
    return { open, close: src.length, words };
}

// ---- what the grammar should say about each token --------------------------------------------

/* Derives from scan()'s tokens what scope each token needs: [{ off, len, text, want, not }]
 * where `want` is a scope the token must have (one of its scopes starts with it) and `not` one
 * it must not have. Follows the language reference's grammar: a chain is items of operators
 * from a keyword to the next '|>' or ';', a source runs to its ';'. */
function expectations(tokens) {
    const out = [];
    const want = (t, scope) => t && out.push({ off: t.off, len: t.text.length, text: t.text, want: scope });
    const notKeyword = (t) => out.push({ off: t.off, len: t.text.length, text: t.text, not: 'keyword.' });
    const typeScope = (t) => (t.kind === 'scalar' ? 'storage.type.mstr' : 'entity.name.type.mstr');
    const named = new Set(); // tokens already given a name's or a type's scope

    let mode = 'top'; // 'top', 'source' (up to its ';') or 'op' (up to '|>' or ';')
    let op = null;
    let sourceTyped = false;
    let parens = []; // for each open '(' in an operator: 'into', 'state' or 'plain'

    const nameAfter = (i, scope) => {
        const t = tokens[i + 1];
        if (isName(t)) {
            want(t, scope);
            named.add(t);
        }
    };
    const typeAt = (t) => {
        if (t && (t.kind === 'scalar' || isName(t))) {
            want(t, typeScope(t));
            named.add(t);
        }
    };

    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        const prev = tokens[i - 1];
        const next = tokens[i + 1];
        switch (t.kind) {
        case 'pipe':
            want(t, 'keyword.operator.pipe.mstr');
            mode = 'top';
            continue;
        case 'string': want(t, 'string.quoted.double.mstr'); continue;
        case 'int': case 'float': want(t, 'constant.numeric.'); continue;
        case 'bool': want(t, 'constant.language.boolean.mstr'); continue;
        case 'scalar': want(t, 'storage.type.mstr'); continue;
        case 'c':
            if (next && next.kind === 'cblock') want(t, 'keyword.other.prelude.mstr');
            else if (!named.has(t)) notKeyword(t);
            continue;
        case 'dead_letter':
            want(t, 'keyword.');
            nameAfter(i, 'entity.name.variable.stream.mstr');
            continue;
        case 'decl':
            want(t, 'keyword.other.declaration.mstr');
            nameAfter(i, { job: 'entity.name.namespace.mstr', type: 'entity.name.type.mstr',
                source: 'entity.name.variable.stream.mstr',
                stream: 'entity.name.variable.stream.mstr' }[t.text]);
            if (t.text === 'source') {
                mode = 'source';
                sourceTyped = false;
            }
            continue;
        case 'op':
            if (t.text === 'map' && prev && prev.text === 'state') { // (state map<K, V>)
                want(t, 'storage.type.mstr');
                continue;
            }
            want(t, 'keyword.other.operator.mstr');
            nameAfter(i, 'entity.name.function.mstr');
            mode = 'op';
            op = t.text;
            parens = [];
            continue;
        case 'punct':
            if (t.text === ';') mode = 'top';
            if (mode === 'op' && t.text === '(') {
                const kind = prev && prev.text === 'into' ? 'into' : next && next.text === 'state' ? 'state' : 'plain';
                parens.push(kind);
            }
            if (mode === 'op' && t.text === ')') parens.pop();
            if (mode === 'op' && parens[parens.length - 1] === 'state'
                && ((t.text === '<' && prev.text === 'map') || t.text === ',')) typeAt(next); // map<K, V>
            if (t.text === ':' && mode !== 'source') {
                // a type follows, except a window's `: tumbling(S)`
                const window = next && ['tumbling', 'sliding', 'session'].includes(next.text)
                    && tokens[i + 2] && tokens[i + 2].text === '(';
                if (!window) typeAt(next);
            }
            if (t.text === ':' && mode === 'source' && !sourceTyped) {
                sourceTyped = true;
                typeAt(next);
            }
            if (t.text === '=' && mode === 'source' && next && SOURCE_KINDS.has(next.text)) {
                want(next, 'keyword.other.source-kind.mstr');
                named.add(next);
            }
            if (t.text === '=' && mode === 'op' && op === 'sink' && next && SINK_KINDS.has(next.text)) {
                want(next, 'keyword.other.sink-kind.mstr');
                named.add(next);
            }
            continue;
        case 'ident': case 'ctx':
            if (named.has(t)) continue;
            contextualWord(t, prev, next);
            continue;
        default:
            continue;
        }
    }
    return out;

    /* A name or a contextual keyword that no rule above has placed yet. */
    function contextualWord(t, prev, next) {
        if (mode === 'op') {
            const inside = parens[parens.length - 1];
            if (inside === 'into') {
                want(t, 'entity.name.variable.stream.mstr');
            } else if (inside === 'state' && t.text === 'state' && prev.text === '(') {
                want(t, 'keyword.');
                typeAt(next);
            } else if (inside) {
                if (t.kind === 'ctx') notKeyword(t); // a stream in union's (a, b)
            } else if (prev && (prev.text === 'with' || prev.text === 'late')) {
                want(t, prev.text === 'with' ? 'variable.other.stream.mstr' : 'entity.name.variable.stream.mstr');
            } else if (t.kind === 'ctx') {
                want(t, 'keyword.'); // into, with, late, window kinds, aggregates, distribute, ...
            }
        } else if (mode === 'source') {
            if (t.text === 'partitions') {
                want(t, 'keyword.');
            } else if (t.text === 'position' && prev && prev.text === ')') {
                want(t, 'keyword.'); // custom(N) position TYPE
                typeAt(next);
            } else if (t.kind === 'ctx') {
                notKeyword(t); // a field or a record type's name
            }
        } else if (t.kind === 'ctx') {
            notKeyword(t); // a chain's stream, a field, a setting
        }
    }
}

module.exports = { scan, expectations };

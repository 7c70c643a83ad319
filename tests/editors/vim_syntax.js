// vim_syntax.js - runs Vim on a .mstr file with editors/vim and reads back, per character, the
// highlight group it gets and whether it is inside a C block (see vim_dump.vim).

'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..');

/* The path of a vim that can run the checks, or null (with the reason in `why`). */
function findVim() {
    const r = spawnSync('vim', ['--version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) return { vim: null, why: 'vim not found' };
    if (!/\+syntax/.test(r.stdout)) return { vim: null, why: 'this vim has no +syntax' };
    return { vim: 'vim', why: '' };
}

/* Highlights `src` (written to a scratch file named like `name`, so ftdetect sees *.mstr).
 * Returns { groups, inC } indexed by offset in src (newlines get '-' and false), or throws with
 * what went wrong. */
function highlight(vim, src) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mstr-vim-'));
    try {
        const file = path.join(dir, 'case.mstr');
        const out = path.join(dir, 'out.txt');
        fs.writeFileSync(file, src);
        const r = spawnSync(vim, ['-N', '-u', 'NONE', '-i', 'NONE', '-n', '-es',
            '--cmd', `set rtp^=${path.join(ROOT, 'editors', 'vim')}`,
            '--cmd', 'filetype on', '--cmd', 'syntax on',
            '-S', path.join(__dirname, 'vim_dump.vim'), file],
        { env: { ...process.env, MSTR_VIM_OUT: out }, encoding: 'utf8', timeout: 60000 });
        if (!fs.existsSync(out)) throw new Error(`vim wrote nothing (status ${r.status}): ${r.stderr || r.stdout}`);
        const lines = fs.readFileSync(out, 'utf8').split('\n');
        if (lines[0] !== 'ok') throw new Error(`vim: ${lines[0] || 'no answer'} ${(r.stdout + r.stderr).trim()}`);
        const groups = [];
        const inC = [];
        src.split('\n').forEach((text, n) => {
            const entries = text.length ? (lines[n + 1] || '').split(' ') : [];
            for (let k = 0; k < text.length; k++) {
                const e = entries[k] || '-';
                inC.push(e.startsWith('C:'));
                groups.push(e.replace(/^C:/, ''));
            }
            groups.push('-');
            inC.push(false);
        });
        return { groups, inC };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

module.exports = { findVim, highlight };

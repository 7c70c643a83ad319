" vim_dump.vim - writes what editors/vim/syntax/mstr.vim makes of the current buffer, for
" vim_syntax.js. Run by `vim -es` with editors/vim on 'runtimepath' and `filetype on` and
" `syntax on` given before the file is read, so ftdetect/mstr.vim picks the filetype.
"
" The file $MSTR_VIM_OUT gets a first line `ok` (or `error: ...` when the filetype or the
" syntax was not set up), then one line per buffer line: one entry per character, separated by
" spaces, `GROUP` or `C:GROUP` where GROUP is the highlight group the character ends up in
" (`-` for none) and `C:` marks a character inside a C block (its braces are not). GROUP is the
" standard group (Keyword, Type, ...) that syntax/mstr.vim and syntax/c.vim link their groups
" to, not where the default colors take it further (Keyword -> Statement).

" The group that synID `id` stands for: our and c.vim's links followed to a standard group.
function! s:Group(id) abort
  let name = synIDattr(a:id, 'name')
  while name =~# '^\%(mstr\|c\)\u'
    let h = hlget(name)
    if empty(h) || !has_key(h[0], 'linksto')
      break
    endif
    let name = h[0].linksto
  endwhile
  return name
endfunction

" Inside a C block a character is in the block itself (mstrCBlock), in a nested pair of braces
" (mstrCInnerBrace) or in one of c.vim's items, which syntax/mstr.vim allows nowhere else.
" (Cheaper than asking synstack() for every character, which takes seconds per file.)
let s:c_group = '^\%(mstrCBlock\|mstrCInnerBrace\|c\u\w*\)$'

let s:out = []
if !exists('*hlget')
  call add(s:out, 'error: this vim has no hlget() (Vim 8.2.3578 or later has)')
elseif &filetype !=# 'mstr'
  call add(s:out, 'error: filetype is ' . string(&filetype) . ', not mstr (ftdetect/mstr.vim)')
elseif get(b:, 'current_syntax', '') !=# 'mstr'
  call add(s:out, 'error: syntax/mstr.vim was not loaded')
else
  call add(s:out, 'ok')
  for s:lnum in range(1, line('$'))
    let s:text = getline(s:lnum)
    let s:entries = []
    for s:i in range(strchars(s:text))
      let s:col = byteidx(s:text, s:i) + 1
      let s:id = synID(s:lnum, s:col, 1)
      let s:inc = synIDattr(s:id, 'name') =~# s:c_group
      let s:group = s:Group(s:id)
      call add(s:entries, (s:inc ? 'C:' : '') . (s:group ==# '' ? '-' : s:group))
    endfor
    call add(s:out, join(s:entries, ' '))
  endfor
endif
call writefile(s:out, $MSTR_VIM_OUT)
qall!

" Vim syntax file
" Language:    Malstrom-C pipelines (.mstr)
" Reference:   docs/language.md, grammar/lexer.l
"
" The C bodies are highlighted with Vim's own C syntax. A '{' is a C block only inside an
" operator (from its keyword to the next '|>' or ';', as the scanner's in_op_header and
" block_next have it), inside the body of a custom source or sink, and after a 'c' that starts
" an item; every other '{' (job settings, type bodies, record literals, a custom body's own
" braces) is plain punctuation. A C block ends at its matching '}': nested
" braces, and braces inside C strings, character literals and comments, are items of their own
" inside the block, so they never end it.
"
" Contextual keywords (source and sink kinds, window kinds, aggregates, state, into, with, late,
" ...) are names too; they are highlighted as keywords only where they stand as keywords: a
" source kind after a source's '=', the others inside an operator. Inside an operator they are
" matches, not :syn-keywords, so that the name after an operator keyword (defined later, and so
" preferred at the same column) wins: `window count: tumbling(10) count`.
"
" Lookbehinds (\@40<=) look back 40 bytes at most: without a limit Vim searches back to the
" start of the previous line at every column, which is slow on long C blocks.
"
" Checklist: a new keyword in grammar/lexer.l goes here, into
" editors/textmate/mstr.tmLanguage.json and into the lists of tests/editors/mstr_scan.js
" (make editors checks all three against the examples).

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" C, for the bodies: every C syntax item, contained, in the cluster @mstrC.
syntax include @mstrC syntax/c.vim
unlet! b:current_syntax

syn case match

" Comments, strings, numbers ------------------------------------------------------------------

syn keyword mstrTodo           contained TODO FIXME XXX
syn region  mstrComment        start="/\*" end="\*/" contains=mstrTodo,@Spell
syn match   mstrLineComment    "//.*$" contains=mstrTodo,@Spell

" Like the scanner's: a string ends at its closing quote or, unterminated, at the end of the line.
syn region  mstrString         start=+"+ skip=+\\.+ end=+"+ end=+$+ oneline contains=mstrEscape,mstrBadEscape
syn match   mstrBadEscape      contained +\\.+
syn match   mstrEscape         contained +\\\%([\\"ntr0]\|x\x\x\)+

syn match   mstrNumber         "-\=\<\d\+\>"
syn match   mstrNumber         "-\=\<0[xX]\x\+\>"
syn match   mstrFloat          "-\=\<\d\+\%(\.\d\+\%([eE][+-]\=\d\+\)\=\|[eE][+-]\=\d\+\)\>"
syn keyword mstrBoolean        true false
syn keyword mstrScalar         i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 bool str

" Declarations at the top level -----------------------------------------------------------------

syn keyword mstrDeclaration    job nextgroup=mstrJobName skipwhite skipempty
syn keyword mstrDeclaration    type nextgroup=mstrTypeName skipwhite skipempty
syn keyword mstrDeclaration    stream nextgroup=mstrStreamName skipwhite skipempty
syn match   mstrJobName        contained "\h\w*"
syn match   mstrTypeName       contained "\h\w*"
syn match   mstrStreamName     contained "\h\w*"

" A field of a type body (NAME: TYPE) and the type after any ':' (not a window's `: tumbling(S)`).
syn match   mstrField          "\<\h\w*\ze\s*:"
syn match   mstrTypeRef        "\%(:\s*\)\@40<=\%(\%(tumbling\|sliding\|session\)\s*(\)\@!\h\w*"

syn match   mstrPipe           "|>"

" c { ... }: only where an item starts, which at the top level is wherever `c {` is left over
" (`job c {` and `type c {` take the name first). The '{' must be on the same line.
syn match   mstrPreludeKeyword "\<c\ze\s*{" nextgroup=mstrCBlock skipwhite

" source NAME: TYPE = KIND(...) [partitions N] [dead_letter NAME]; -------------------------------

syn region  mstrSource         matchgroup=mstrDeclaration start="\<source\>" end="\ze;"
                               \ contains=mstrSourceName,mstrSourceKind,mstrPartitions,mstrPosition,mstrDeadLetter,mstrRecordType,mstrField,mstrTypeRef,mstrComment,mstrLineComment,mstrString,mstrNumber,mstrFloat,mstrBoolean,mstrScalar,mstrCustomBody
syn match   mstrSourceName     contained "\%(\<source\s\+\)\@40<=\h\w*"
syn match   mstrSourceKind     contained "\%(=\s*\)\@40<=\<\%(list\|range\|lines\|stdin\|csv\|nexmark\|custom\)\>"
syn match   mstrPartitions     contained "\<partitions\>"
syn match   mstrPosition       contained "\%()\_s*\)\@40<=\<position\>" nextgroup=mstrScalar,mstrTypeName skipwhite skipempty
syn keyword mstrDeadLetter     contained dead_letter nextgroup=mstrStreamName skipwhite skipempty
syn match   mstrRecordType     contained "\<\h\w*\ze\s*{"

" Operators: |> KEYWORD NAME ... up to the next '|>' or ';' -------------------------------------

syn region  mstrOperator       matchgroup=mstrOperatorKeyword
                               \ start="\<\%(map\|filter\|filter_map\|flat_map\|inspect\|key_by\|key_local\|stateful_map\|stateful_op\|ttl_map\|timestamps\|epochs\|inspect_frontier\|window\|window_join\|interval_join\|union\|clone\|split\|sink\)\>"
                               \ end="\ze\%(|>\|;\)"
                               \ contains=mstrCBlock,mstrComment,mstrLineComment,mstrString,mstrNumber,mstrFloat,mstrBoolean,mstrScalar,mstrTypeRef,mstrParens,mstrInto,mstrContextual,mstrWith,mstrLate,mstrSinkKind,mstrOperatorName,mstrCustomBody

syn match   mstrContextual     contained "\<\%(tumbling\|sliding\|session\|count\|sum\|min\|max\|avg\|reduce\|between\|bounded\|periodic\|processing_time\|distribute\|on_epoch\|on_timer\)\>"
syn match   mstrWith           contained "\<with\>" nextgroup=mstrStreamRef skipwhite skipempty
syn match   mstrLate           contained "\<late\>" nextgroup=mstrStreamName skipwhite skipempty
syn match   mstrStreamRef      contained "\h\w*"
syn match   mstrSinkKind       contained "\%(=\s*\)\@40<=\<\%(stdout\|null\|text\|csv\|jsonl\|custom\)\>"

" (state T), (state map<K, V>), union's (a, b), tumbling(S), between(LO, HI), ...; clone's and
" split's into (a, b).
syn region  mstrParens         contained transparent start="(" end=")" contains=mstrState,mstrMapTypes,mstrNumber,mstrFloat,mstrString,mstrComment,mstrLineComment,mstrStreamRef,mstrScalar
syn region  mstrMapTypes       contained transparent start="\%(\<map\s*\)\@20<=<" end=">" contains=mstrScalar,mstrTypeName,mstrComment,mstrLineComment
syn match   mstrState          contained "\%((\s*\)\@40<=\<state\>" nextgroup=mstrScalar,mstrTypeName skipwhite
syn match   mstrInto           contained "\<into\>" nextgroup=mstrIntoNames skipwhite skipempty
syn region  mstrIntoNames      contained transparent start="(" end=")" contains=mstrStreamName,mstrComment,mstrLineComment

" Defined after the contextual keywords: at the same column, the later match wins.
syn match   mstrOperatorName   contained "\%(\<\%(map\|filter\|filter_map\|flat_map\|inspect\|key_by\|key_local\|stateful_map\|stateful_op\|ttl_map\|timestamps\|epochs\|inspect_frontier\|window\|window_join\|interval_join\|union\|clone\|split\|sink\)\s\+\)\@40<=\h\w*"

" C blocks ----------------------------------------------------------------------------------------

syn region  mstrCBlock         contained matchgroup=mstrCBrace start="{" end="}" contains=@mstrC,mstrCNested
" Nested braces. matchgroup: the braces belong to the region's start and end, so no C item
" (cBlock) starts at the same '{' inside it and takes the '}' meant for this region.
" containedin: braces inside parentheses and brackets too, as in `emit(((T){ a, b }))`. c.vim
" has cBadBlock for those, but only when the filetype is c; without it, c.vim's cParen ends at
" the first '}' it meets, and the C block with it.
syn region  mstrCNested        contained transparent matchgroup=mstrCInnerBrace start="{" end="}"
                               \ contains=@mstrC,mstrCNested containedin=cParen,cBracket

" The body of a custom source or sink: the '{' after `custom(...)` (and a source's `position
" TYPE`) is ours, and holds `NAME { C }` blocks. Defined after mstrCBlock: at the same '{' in an
" operator, the later region wins.
syn region  mstrCustomBody     contained matchgroup=mstrCustomBrace
                               \ start="\%(\<custom\_s*(\_[^)]*)\%(\_s*position\_s\+\h\w*\)\=\_s*\)\@80<={"
                               \ end="}" contains=mstrBlockName,mstrCBlock,mstrComment,mstrLineComment
syn match   mstrBlockName      contained "\<\h\w*\ze\_s*{"

" The C blocks can be long; the files are short.
syn sync fromstart

hi def link mstrTodo           Todo
hi def link mstrComment        Comment
hi def link mstrLineComment    Comment
hi def link mstrString         String
hi def link mstrEscape         SpecialChar
hi def link mstrBadEscape      Error
hi def link mstrNumber         Number
hi def link mstrFloat          Float
hi def link mstrBoolean        Boolean
hi def link mstrScalar         Type
hi def link mstrTypeName       Type
hi def link mstrTypeRef        Type
hi def link mstrRecordType     Type
hi def link mstrDeclaration    Keyword
hi def link mstrJobName        Identifier
hi def link mstrStreamName     Identifier
hi def link mstrSourceName     Identifier
hi def link mstrPipe           Operator
hi def link mstrPreludeKeyword Keyword
hi def link mstrSourceKind     Keyword
hi def link mstrPartitions     Keyword
hi def link mstrPosition       Keyword
hi def link mstrBlockName      Keyword
hi def link mstrDeadLetter     Keyword
hi def link mstrOperatorKeyword Statement
hi def link mstrOperatorName   Function
hi def link mstrContextual     Keyword
hi def link mstrWith           Keyword
hi def link mstrLate           Keyword
hi def link mstrState          Keyword
hi def link mstrInto           Keyword
hi def link mstrSinkKind       Keyword
hi def link mstrCBrace         Delimiter

let b:current_syntax = "mstr"

let &cpo = s:cpo_save
unlet s:cpo_save

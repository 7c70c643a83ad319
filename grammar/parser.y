/*
 * parser.y - the .mstr grammar: a pure bison parser over the reentrant scanner in lexer.l.
 *
 * The grammar follows docs/language.md; its actions only call the mc_ast_* builders
 * (compiler/ast.c), so this file says what the language looks like and ast.c says what tree it
 * becomes. Names, types and every rule that needs the whole file are the checker's business.
 *
 * Syntax errors are reported by yyreport_syntax_error in gcc's words ("expected ';' before
 * 'source'", "unexpected '}', expected identifier"), with LAC so the expected tokens are exact.
 * Recovery is per item: an `error` is skipped up to the next ';' or '}', and inside a type's
 * fields or a job's settings up to the next ';' or the closing '}', so one run reports the
 * errors of several items.
 *
 * mc_parse (frontend.h) is at the end of this file: it owns the scanner's lifetime.
 */

%code requires {
#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "diag.h"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

/* What the scanner and the parser share; the scanner's yyextra. */
typedef struct mc_parse_ctx {
    mc_program *prog;
    mc_diag *diag;
    uint32_t off;          /* scanner: offset of the next byte to scan */
    uint32_t last_start;   /* scanner: start of the last token handed to the parser */
    uint32_t last_end;     /* scanner: end of the last token handed to the parser */
    uint32_t prev_start;   /* scanner: start of the token before that */
    uint32_t prev_end;     /* scanner: end of the token before that */
    uint32_t lex_error;    /* scanner: 1 + offset of the last lexical error, 0 if none */
    uint32_t cblock_open;  /* scanner: offset of the '{' of the C block being scanned */
    int cblock_depth;      /* scanner: brace depth inside that block */
    int skip_depth;        /* scanner: #if nesting inside an `#if 0` being skipped */
    int last_tok;          /* scanner: the last token handed to the parser, 0 before the first */
    bool in_op_header;     /* scanner: inside an operator header, a '{' opens a C block ... */
    bool block_next;       /* scanner: ... or right after distribute, on_epoch, on_timer or c
                              (lexer.l) */
    int custom_header;     /* scanner: where in a `custom(...)` header it is (lexer.l) */
    bool in_custom_body;   /* scanner: inside a custom body, every '{' opens a C block */
    bool in_array_type;    /* scanner: after a '[', whose ';' is an ARRAY_SEMI (lexer.l) */
    bool truncated;        /* an unterminated comment or C block took the rest of the file */
} mc_parse_ctx;
}

%code {
#include "lexer.h"
#include "mstr_mem.h"

/* A nonterminal spans from its first symbol to its last; an empty one is an empty span just
 * after whatever precedes it. */
#define YYLLOC_DEFAULT(cur, rhs, n)                                                   \
    do {                                                                              \
        if (n) {                                                                      \
            (cur).off = YYRHSLOC(rhs, 1).off;                                         \
            (cur).len = YYRHSLOC(rhs, n).off + YYRHSLOC(rhs, n).len - (cur).off;      \
        } else {                                                                      \
            (cur).off = YYRHSLOC(rhs, 0).off + YYRHSLOC(rhs, 0).len;                  \
            (cur).len = 0;                                                            \
        }                                                                             \
    } while (0)

static void yyerror(const mc_loc *loc, yyscan_t scanner, mc_parse_ctx *pc, const char *msg);
}

%define api.pure full
%define api.prefix {mc_yy}
%define api.location.type {mc_loc}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {yyscan_t scanner}
%parse-param {mc_parse_ctx *pc}

%union {
    const char *name;
    mc_type_kind kind;
    mc_literal *lit;
    mc_cblock cblock;
    mc_typeref type;
    mc_typedecl *decl;
    mc_job *job;
    mc_source *source;
    mc_op *op;
    mc_chain *chain;
    mc_custom *custom;
    mc_state_decl state;
}

%token <name> IDENT "identifier"
%token <lit> INT "integer" FLOAT "number" STRING "string"
%token <kind> SCALAR "type name"
%token <cblock> CBLOCK "C block"
%token PIPE "'|>'"
%token ARRAY_SEMI "';'"
/* Checklist: the reserved keywords run from KW_JOB to KW_SINK and the operator keywords
 * among them from KW_MAP to KW_SINK (see is_reserved, is_operator); the contextual keywords,
 * which are also names (see `name` and lexer.l), run from KW_NEXMARK to KW_C, the source kinds
 * from KW_NEXMARK to KW_CSV, the sink kinds from KW_CUSTOM to KW_JSONL (custom and csv are
 * both), the window kinds from
 * KW_TUMBLING to KW_SESSION and the aggregates from KW_COUNT to KW_REDUCE (see word_classes,
 * is_contextual and lexer.l's continues_op_header). A new one goes inside its range. */
%token KW_JOB "'job'" KW_TYPE "'type'" KW_SOURCE "'source'" KW_STREAM "'stream'"
%token KW_DEAD_LETTER "'dead_letter'" KW_TRUE "'true'" KW_FALSE "'false'"
%token KW_MAP "'map'" KW_FILTER "'filter'" KW_FILTER_MAP "'filter_map'" KW_FLAT_MAP "'flat_map'"
%token KW_INSPECT "'inspect'" KW_KEY_BY "'key_by'" KW_KEY_LOCAL "'key_local'"
%token KW_STATEFUL_MAP "'stateful_map'" KW_STATEFUL_OP "'stateful_op'" KW_TTL_MAP "'ttl_map'"
%token KW_TIMESTAMPS "'timestamps'" KW_EPOCHS "'epochs'"
%token KW_INSPECT_FRONTIER "'inspect_frontier'" KW_WINDOW "'window'"
%token KW_WINDOW_JOIN "'window_join'" KW_INTERVAL_JOIN "'interval_join'"
%token KW_UNION "'union'" KW_CLONE "'clone'" KW_SPLIT "'split'" KW_SINK "'sink'"
%token <name> KW_NEXMARK "'nexmark'" KW_LIST "'list'" KW_RANGE "'range'" KW_LINES "'lines'"
%token <name> KW_STDIN "'stdin'" KW_CUSTOM "'custom'" KW_CSV "'csv'" KW_STDOUT "'stdout'"
%token <name> KW_NULL "'null'"
%token <name> KW_TEXT "'text'" KW_JSONL "'jsonl'"
%token <name> KW_TUMBLING "'tumbling'" KW_SLIDING "'sliding'" KW_SESSION "'session'"
%token <name> KW_COUNT "'count'" KW_SUM "'sum'" KW_MIN "'min'" KW_MAX "'max'" KW_AVG "'avg'"
%token <name> KW_REDUCE "'reduce'"
%token <name> KW_STATE "'state'" KW_INTO "'into'" KW_DISTRIBUTE "'distribute'"
%token <name> KW_ON_EPOCH "'on_epoch'" KW_ON_TIMER "'on_timer'"
%token <name> KW_PARTITIONS "'partitions'" KW_POSITION "'position'"
%token <name> KW_BOUNDED "'bounded'"
%token <name> KW_PERIODIC "'periodic'" KW_PROCESSING_TIME "'processing_time'"
%token <name> KW_LATE "'late'" KW_WITH "'with'" KW_BETWEEN "'between'"
%token <name> KW_C "'c'"

%type <name> name
%type <type> typeref
%type <state> state_type map_state map_types
%type <decl> fields tuple_elems
%type <job> settings
%type <lit> literal number record_lit record_inits literal_items
%type <source> source_expr list_items paths nexmark_args
%type <op> op late_op window_head window tumbling between sink_expr stream_names
%type <chain> pipeline
%type <custom> custom_blocks

%%

program:
    %empty
|   program item
;

/* An item that fails to parse is skipped up to its ';' (or the '}' that closes it). */
item:
    job
|   typedecl
|   source
|   chain
|   prelude
|   error ';'
|   error '}'
;

/* Wherever a name goes, a contextual keyword will do: `source lines: str = lines("f");`. */
name:
    IDENT | KW_NEXMARK | KW_LIST | KW_RANGE | KW_LINES | KW_STDIN | KW_CUSTOM | KW_CSV
|   KW_STDOUT | KW_NULL | KW_TEXT | KW_JSONL | KW_TUMBLING | KW_SLIDING | KW_SESSION | KW_COUNT
|   KW_SUM | KW_MIN | KW_MAX | KW_AVG | KW_REDUCE | KW_STATE | KW_INTO | KW_DISTRIBUTE
|   KW_ON_EPOCH | KW_ON_TIMER | KW_PARTITIONS | KW_POSITION | KW_BOUNDED | KW_PERIODIC
|   KW_PROCESSING_TIME | KW_LATE | KW_WITH
|   KW_BETWEEN | KW_C
;

/* job := 'job' IDENT ';' | 'job' IDENT '{' (IDENT '=' literal ';')* '}' */
job:
    KW_JOB name ';'                     { mc_ast_set_job(pc->prog, mc_ast_job_new(pc->prog), $2, @2); }
|   KW_JOB name '{' settings '}'        { mc_ast_set_job(pc->prog, $4, $2, @2); }
|   KW_JOB name '{' settings error '}'  { mc_ast_set_job(pc->prog, $4, $2, @2); }
;

settings:
    %empty                              { $$ = mc_ast_job_new(pc->prog); }
|   settings name '=' literal ';'       { $$ = mc_ast_job_add_setting(pc->prog, $1, $2, @2, $4); }
|   settings error ';'                  { $$ = $1; }
;

/* type := 'type' IDENT '{' (IDENT ':' typeref ';')* '}' */
typedecl:
    KW_TYPE name '{' fields '}'         { mc_ast_add_type(pc->prog, $4, $2, @2); }
|   KW_TYPE name '{' fields error '}'   { mc_ast_add_type(pc->prog, $4, $2, @2); }
;

fields:
    %empty                              { $$ = mc_ast_typedecl_new(pc->prog); }
|   fields name ':' typeref ';'         { $$ = mc_ast_typedecl_add_field(pc->prog, $1, $2, @2, $4); }
|   fields error ';'                    { $$ = $1; }
;

/* typeref := SCALAR | IDENT | '(' typeref (',' typeref)+ ')' | '[' typeref ';' number ']'
 * (that ';' is an ARRAY_SEMI: lexer.l) */
typeref:
    SCALAR                              { $$ = mc_ast_typeref_scalar($1, @1); }
|   name                                { $$ = mc_ast_typeref_named($1, @1); }
|   '(' tuple_elems ')'                 { $$ = mc_ast_typeref_tuple(pc->prog, $2, @$); }
|   '[' typeref ARRAY_SEMI number ']'   { $$ = mc_ast_typeref_array(pc->prog, $2, $4, @$); }
;

tuple_elems:
    typeref ',' typeref                 { $$ = mc_ast_tuple_elem(pc->prog,
                                                  mc_ast_tuple_elem(pc->prog, NULL, $1, @1), $3, @3); }
|   tuple_elems ',' typeref             { $$ = mc_ast_tuple_elem(pc->prog, $1, $3, @3); }
;

/* source := 'source' IDENT ':' typeref '=' source_expr ('dead_letter' IDENT)? ';'
 * (source_expr includes range's optional `partitions N`) */
source:
    KW_SOURCE name ':' typeref '=' source_expr ';'
        { mc_ast_add_source(pc->prog, $6, $2, @2, $4); }
|   KW_SOURCE name ':' typeref '=' source_expr KW_DEAD_LETTER name ';'
        { mc_ast_add_source(pc->prog, mc_ast_source_set_dead_letter($6, $8, @8), $2, @2, $4); }
;

/* source_expr := 'list' '(' (literal (',' literal)*)? ')'
 *              | 'range' '(' int ',' int (',' int)? ')' ('partitions' int)?
 *              | 'lines' '(' STRING (',' STRING)* ')' | 'stdin'
 *              | 'csv' '(' STRING (',' STRING)* ')'
 *              | 'nexmark' '(' int (',' int)* ')'    (how many is the checker's business)
 *              | 'custom' '(' int ')' 'position' typeref '{' (IDENT CBLOCK)* '}' */
source_expr:
    KW_LIST '(' ')'                     { $$ = mc_ast_source_new(pc->prog, MC_SRC_LIST, @1); }
|   list_items ')'                      { $$ = $1; }
|   KW_RANGE '(' number ',' number ')'
        {
            $$ = mc_ast_source_new(pc->prog, MC_SRC_RANGE, @1);
            mc_ast_source_add_item(pc->prog, mc_ast_source_add_item(pc->prog, $$, $3), $5);
        }
|   KW_RANGE '(' number ',' number ',' number ')'
        {
            $$ = mc_ast_source_new(pc->prog, MC_SRC_RANGE, @1);
            mc_ast_source_add_item(pc->prog, mc_ast_source_add_item(pc->prog, $$, $3), $5);
            mc_ast_source_add_item(pc->prog, $$, $7);
        }
|   source_expr KW_PARTITIONS number    { $$ = mc_ast_source_set_partitions($1, $3, @2); }
|   paths ')'                           { $$ = $1; }
|   KW_STDIN                            { $$ = mc_ast_source_new(pc->prog, MC_SRC_STDIN, @1); }
|   nexmark_args ')'                    { $$ = $1; }
|   KW_CUSTOM '(' number ')' KW_POSITION typeref '{' custom_blocks '}'
        { $$ = mc_ast_source_custom(pc->prog, @1, $3, $6, $8); }
;

/* The blocks of a custom source or sink: which names each takes is the checker's business. */
custom_blocks:
    %empty                              { $$ = mc_ast_custom_new(pc->prog); }
|   custom_blocks name CBLOCK           { $$ = mc_ast_custom_add(pc->prog, $1, $2, @2, $3); }
;

nexmark_args:
    KW_NEXMARK '(' number
        {
            $$ = mc_ast_source_add_item(pc->prog, mc_ast_source_new(pc->prog, MC_SRC_NEXMARK, @1),
                                        $3);
        }
|   nexmark_args ',' number             { $$ = mc_ast_source_add_item(pc->prog, $1, $3); }
;

list_items:
    KW_LIST '(' literal
        { $$ = mc_ast_source_add_item(pc->prog, mc_ast_source_new(pc->prog, MC_SRC_LIST, @1), $3); }
|   list_items ',' literal              { $$ = mc_ast_source_add_item(pc->prog, $1, $3); }
;

paths:
    KW_LINES '(' STRING
        { $$ = mc_ast_source_add_path(pc->prog, mc_ast_source_new(pc->prog, MC_SRC_LINES, @1), $3); }
|   KW_CSV '(' STRING
        { $$ = mc_ast_source_add_path(pc->prog, mc_ast_source_new(pc->prog, MC_SRC_CSV, @1), $3); }
|   paths ',' STRING                    { $$ = mc_ast_source_add_path(pc->prog, $1, $3); }
;

/* chain := ('stream' IDENT '=')? IDENT ('|>' op)* ';' */
chain:
    pipeline ';'                        { mc_ast_add_chain(pc->prog, $1, NULL, @1, @$); }
|   KW_STREAM name '=' pipeline ';'     { mc_ast_add_chain(pc->prog, $4, $2, @2, @$); }
;

pipeline:
    name                                { $$ = mc_ast_chain_new(pc->prog, $1, @1); }
|   pipeline PIPE op                    { $$ = mc_ast_chain_add_op(pc->prog, $1, $3); }
;

/* op := see docs/language.md; the rules that say which operator may go where (sink, clone and
 * split last, stateful operators on keyed streams, ...) are the checker's. */
op:
    KW_MAP name ':' typeref CBLOCK
        { $$ = mc_ast_op_new(pc->prog, MC_OP_MAP, @1, $2, @2, &$4, $5); }
|   KW_FILTER name CBLOCK
        { $$ = mc_ast_op_new(pc->prog, MC_OP_FILTER, @1, $2, @2, NULL, $3); }
|   KW_FILTER_MAP name ':' typeref CBLOCK
        { $$ = mc_ast_op_new(pc->prog, MC_OP_FILTER_MAP, @1, $2, @2, &$4, $5); }
|   KW_FLAT_MAP name ':' typeref CBLOCK
        { $$ = mc_ast_op_new(pc->prog, MC_OP_FLAT_MAP, @1, $2, @2, &$4, $5); }
|   KW_INSPECT name CBLOCK
        { $$ = mc_ast_op_new(pc->prog, MC_OP_INSPECT, @1, $2, @2, NULL, $3); }
|   KW_KEY_BY name ':' typeref CBLOCK
        { $$ = mc_ast_key_op_new(pc->prog, MC_OP_KEY_BY, @1, $2, @2, $4, $5); }
|   KW_KEY_BY name ':' typeref CBLOCK KW_DISTRIBUTE CBLOCK
        { $$ = mc_ast_op_set_extra(mc_ast_key_op_new(pc->prog, MC_OP_KEY_BY, @1, $2, @2, $4, $5), $7); }
|   KW_KEY_LOCAL name ':' typeref CBLOCK
        { $$ = mc_ast_key_op_new(pc->prog, MC_OP_KEY_LOCAL, @1, $2, @2, $4, $5); }
|   KW_STATEFUL_MAP name ':' typeref state_type CBLOCK
        { $$ = mc_ast_state_op_new(pc->prog, MC_OP_STATEFUL_MAP, @1, $2, @2, $4, $5, $6); }
|   KW_STATEFUL_OP name ':' typeref state_type CBLOCK KW_ON_EPOCH CBLOCK
        {
            $$ = mc_ast_op_set_extra(
                mc_ast_state_op_new(pc->prog, MC_OP_STATEFUL_OP, @1, $2, @2, $4, $5, $6), $8);
        }
|   KW_STATEFUL_OP name ':' typeref state_type CBLOCK KW_ON_EPOCH CBLOCK KW_ON_TIMER CBLOCK
        {
            $$ = mc_ast_op_set_timer(mc_ast_op_set_extra(
                mc_ast_state_op_new(pc->prog, MC_OP_STATEFUL_OP, @1, $2, @2, $4, $5, $6), $8), $10);
        }
|   KW_STATEFUL_OP name ':' typeref state_type CBLOCK KW_ON_TIMER CBLOCK
        {
            $$ = mc_ast_op_set_timer(
                mc_ast_state_op_new(pc->prog, MC_OP_STATEFUL_OP, @1, $2, @2, $4, $5, $6), $8);
        }
|   KW_TTL_MAP name ':' typeref state_type CBLOCK
        { $$ = mc_ast_state_op_new(pc->prog, MC_OP_TTL_MAP, @1, $2, @2, $4, $5, $6); }
|   KW_TIMESTAMPS name CBLOCK
        { $$ = mc_ast_op_new(pc->prog, MC_OP_TIMESTAMPS, @1, $2, @2, NULL, $3); }
|   KW_TIMESTAMPS name KW_PROCESSING_TIME
        {
            $$ = mc_ast_op_new(pc->prog, MC_OP_TIMESTAMPS, @1, $2, @2, NULL, (mc_cblock){ 0 });
            $$->processing_time = true;
        }
|   KW_INSPECT_FRONTIER name CBLOCK
        { $$ = mc_ast_op_new(pc->prog, MC_OP_INSPECT_FRONTIER, @1, $2, @2, NULL, $3); }
|   late_op
|   late_op KW_LATE name                { $$ = mc_ast_op_set_late($1, $3, @3); }
|   KW_WINDOW_JOIN name ':' typeref tumbling KW_WITH name CBLOCK
        { $$ = mc_ast_join_op($5, MC_OP_WINDOW_JOIN, @1, $2, @2, $4, $7, @7, $8); }
|   KW_INTERVAL_JOIN name ':' typeref KW_WITH name between CBLOCK
        { $$ = mc_ast_join_op($7, MC_OP_INTERVAL_JOIN, @1, $2, @2, $4, $6, @6, $8); }
|   KW_UNION name '(' stream_names ')'
        { $$ = mc_ast_names_op($4, MC_OP_UNION, @1, $2, @2, (mc_cblock){ 0 }); }
|   KW_CLONE name KW_INTO '(' stream_names ')'
        { $$ = mc_ast_names_op($5, MC_OP_CLONE, @1, $2, @2, (mc_cblock){ 0 }); }
|   KW_SPLIT name KW_INTO '(' stream_names ')' CBLOCK
        { $$ = mc_ast_names_op($5, MC_OP_SPLIT, @1, $2, @2, $7); }
|   KW_SINK name '=' sink_expr          { $$ = mc_ast_sink_name($4, @1, $2, @2); }
;

/* The operators that may send late records aside with `late NAME`:
 *   'epochs' IDENT (CBLOCK | ('bounded' | 'periodic') '(' int ')') | 'window' IDENT ':' window agg
 * agg := 'count' | ('sum' | 'min' | 'max' | 'reduce') ':' typeref CBLOCK | 'avg' CBLOCK */
late_op:
    KW_EPOCHS name CBLOCK
        { $$ = mc_ast_op_new(pc->prog, MC_OP_EPOCHS, @1, $2, @2, NULL, $3); }
|   KW_EPOCHS name KW_BOUNDED '(' number ')'
        { $$ = mc_ast_epochs_bounded(pc->prog, @1, $2, @2, $5, false); }
|   KW_EPOCHS name KW_PERIODIC '(' number ')'
        { $$ = mc_ast_epochs_bounded(pc->prog, @1, $2, @2, $5, true); }
|   window_head KW_COUNT
        { $$ = mc_ast_window_agg($1, MC_AGG_COUNT, NULL, (mc_cblock){ 0 }); }
|   window_head KW_SUM ':' typeref CBLOCK    { $$ = mc_ast_window_agg($1, MC_AGG_SUM, &$4, $5); }
|   window_head KW_MIN ':' typeref CBLOCK    { $$ = mc_ast_window_agg($1, MC_AGG_MIN, &$4, $5); }
|   window_head KW_MAX ':' typeref CBLOCK    { $$ = mc_ast_window_agg($1, MC_AGG_MAX, &$4, $5); }
|   window_head KW_REDUCE ':' typeref CBLOCK { $$ = mc_ast_window_agg($1, MC_AGG_REDUCE, &$4, $5); }
|   window_head KW_AVG CBLOCK           { $$ = mc_ast_window_agg($1, MC_AGG_AVG, NULL, $3); }
;

window_head:
    KW_WINDOW name ':' window           { $$ = mc_ast_window_op($4, @1, $2, @2); }
;

/* window := 'tumbling' '(' int ')' | 'sliding' '(' int ',' int ')' | 'session' '(' int ')' */
window:
    tumbling                            { $$ = $1; }
|   KW_SLIDING '(' number ',' number ')'
        { $$ = mc_ast_window_new(pc->prog, MC_WIN_SLIDING, @$, $3, $5); }
|   KW_SESSION '(' number ')'
        { $$ = mc_ast_window_new(pc->prog, MC_WIN_SESSION, @$, $3, NULL); }
;

tumbling:
    KW_TUMBLING '(' number ')'
        { $$ = mc_ast_window_new(pc->prog, MC_WIN_TUMBLING, @$, $3, NULL); }
;

/* 'between' '(' int ',' int ')', or 'between' '(' int ',' FIELD ')': the left record's field
 * holds its upper bound, an absolute time */
between:
    KW_BETWEEN '(' number ',' number ')'    { $$ = mc_ast_between_new(pc->prog, @$, $3, $5); }
|   KW_BETWEEN '(' number ',' name ')'
        { $$ = mc_ast_between_until(pc->prog, @$, $3, $5, @5); }
;

/* '(' 'state' typeref ')' | '(' 'state' 'map' '<' typeref (',' typeref)* '>' ')'
 * (a map takes two types: how many were written is the checker's business) */
state_type:
    '(' KW_STATE typeref ')'            { $$ = mc_ast_state_one($3); }
|   '(' KW_STATE map_state ')'          { $$ = $3; }
;

map_state:
    KW_MAP '<' map_types '>'            { $$ = mc_ast_state_map_span($3, @$); }
;

map_types:
    typeref                             { $$ = mc_ast_state_map_add(NULL, $1); }
|   map_types ',' typeref               { $$ = mc_ast_state_map_add(&$1, $3); }
;

/* IDENT (',' IDENT)*: how many union, clone and split need is the checker's business. */
stream_names:
    name                                { $$ = mc_ast_names_new(pc->prog, $1, @1); }
|   stream_names ',' name               { $$ = mc_ast_names_add(pc->prog, $1, $3, @3); }
;

/* sink_expr := 'stdout' | 'null' | 'text' '(' STRING ')' | 'csv' '(' STRING ')'
 *            | 'jsonl' '(' STRING ')' | 'custom' '(' typeref ')' '{' (IDENT CBLOCK)* '}' */
sink_expr:
    KW_STDOUT                           { $$ = mc_ast_sink_new(pc->prog, MC_SINK_STDOUT, NULL); }
|   KW_NULL                             { $$ = mc_ast_sink_new(pc->prog, MC_SINK_NULL, NULL); }
|   KW_TEXT '(' STRING ')'              { $$ = mc_ast_sink_new(pc->prog, MC_SINK_TEXT, $3); }
|   KW_CSV '(' STRING ')'               { $$ = mc_ast_sink_new(pc->prog, MC_SINK_CSV, $3); }
|   KW_JSONL '(' STRING ')'             { $$ = mc_ast_sink_new(pc->prog, MC_SINK_JSONL, $3); }
|   KW_CUSTOM '(' typeref ')' '{' custom_blocks '}'
        { $$ = mc_ast_sink_custom(pc->prog, @1, $3, $6); }
;

/* cprelude := 'c' CBLOCK */
prelude:
    KW_C CBLOCK                         { mc_ast_add_prelude(pc->prog, $2); }
;

/* literal := INT | FLOAT | STRING | 'true' | 'false' | record literal
 *          | '(' literal (',' literal)* ')' | '[' literal (',' literal)* ']';
 * numbers take a '-'. A tuple of one item is refused by the checker. */
literal:
    number                              { $$ = $1; }
|   STRING                              { $$ = $1; }
|   KW_TRUE                             { $$ = mc_ast_lit_bool(pc->prog, true, @1); }
|   KW_FALSE                            { $$ = mc_ast_lit_bool(pc->prog, false, @1); }
|   record_lit                          { $$ = $1; }
|   '(' literal_items ')'               { $$ = mc_ast_lit_seq_end($2, MC_LIT_TUPLE, @$); }
|   '[' literal_items ']'               { $$ = mc_ast_lit_seq_end($2, MC_LIT_ARRAY, @$); }
;

literal_items:
    literal                             { $$ = mc_ast_lit_seq(pc->prog, $1); }
|   literal_items ',' literal           { $$ = mc_ast_lit_seq_add(pc->prog, $1, $3); }
;

number:
    INT                                 { $$ = $1; }
|   FLOAT                               { $$ = $1; }
|   '-' INT                             { $$ = mc_ast_lit_negate(pc->prog, $2, @$); }
|   '-' FLOAT                           { $$ = mc_ast_lit_negate(pc->prog, $2, @$); }
;

/* record_lit := IDENT '{' (IDENT ':' literal (',' IDENT ':' literal)*)? '}' */
record_lit:
    name '{' '}'                        { $$ = mc_ast_lit_record(pc->prog, $1, @$); }
|   record_inits '}'                    { $$ = mc_ast_lit_span($1, @$); }
;

record_inits:
    name '{' name ':' literal
        { $$ = mc_ast_lit_record_add(pc->prog, mc_ast_lit_record(pc->prog, $1, @1), $3, @3, $5); }
|   record_inits ',' name ':' literal   { $$ = mc_ast_lit_record_add(pc->prog, $1, $3, @3, $5); }
;

%%

/* Only reached for "memory exhausted": syntax errors go through yyreport_syntax_error. */
static void yyerror(const mc_loc *loc, yyscan_t scanner, mc_parse_ctx *pc, const char *msg)
{
    (void)scanner;
    mc_error(pc->diag, *loc, "%s", msg);
}

/* How a syntax error names the token it stumbled on: its text for words, numbers and
 * punctuation, a description for the rest. */
static void describe_token(const mc_parse_ctx *pc, yysymbol_kind_t kind, mc_loc loc,
                           char *buf, size_t size)
{
    if (kind == YYSYMBOL_YYEOF)
        snprintf(buf, size, "end of file");
    else if (kind == YYSYMBOL_STRING || kind == YYSYMBOL_CBLOCK)
        snprintf(buf, size, "%s", yysymbol_name(kind));
    else if (loc.len > 32)
        snprintf(buf, size, "'%.32s...'", pc->prog->src + loc.off);
    else
        snprintf(buf, size, "'%.*s'", (int)loc.len, pc->prog->src + loc.off);
}

/* Appends "A", "A or B", "A, B or C" ... to buf. */
static void list_tokens(const yysymbol_kind_t *kinds, int n, char *buf, size_t size)
{
    size_t used = strlen(buf);
    for (int i = 0; i < n && used < size; i++) {
        const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
        used += (size_t)snprintf(buf + used, size - used, "%s%s", sep, yysymbol_name(kinds[i]));
    }
}

/* True if the n tokens in kinds include kind. */
static bool has_token(const yysymbol_kind_t *kinds, int n, yysymbol_kind_t kind)
{
    for (int i = 0; i < n; i++) {
        if (kinds[i] == kind)
            return true;
    }
    return false;
}

/* True for the reserved words: keywords that can never be names, and the scalar type names. */
static bool is_reserved(yysymbol_kind_t kind)
{
    return (kind >= YYSYMBOL_KW_JOB && kind <= YYSYMBOL_KW_SINK) || kind == YYSYMBOL_SCALAR;
}

/* True for the contextual keywords, which are names too. */
static bool is_contextual(yysymbol_kind_t kind)
{
    return kind >= YYSYMBOL_KW_NEXMARK && kind <= YYSYMBOL_KW_C;
}

/* True for the tokens that look like words. */
static bool is_word(yysymbol_kind_t kind)
{
    return kind == YYSYMBOL_IDENT || is_reserved(kind) || is_contextual(kind);
}

/* Where only the keywords of one of these classes would do and some other word was written,
 * the error names the word as an unknown one of its class ("unknown sink 'nul'") and lists
 * the class's words in the order the language reference gives them. */
typedef struct word_class {
    const char *what;
    yysymbol_kind_t first, last; /* its keywords, a range of the %token declarations */
    const char *words;
} word_class;

static const word_class word_classes[] = {
    { "source kind", YYSYMBOL_KW_NEXMARK, YYSYMBOL_KW_CSV,
      "list, range, lines, stdin, csv, nexmark or custom" },
    { "sink", YYSYMBOL_KW_CUSTOM, YYSYMBOL_KW_JSONL,
      "stdout, null, text, csv, jsonl or custom" },
    { "operator", YYSYMBOL_KW_MAP, YYSYMBOL_KW_SINK, "map, filter, filter_map, flat_map, "
      "inspect, key_by, key_local, stateful_map, stateful_op, ttl_map, timestamps, epochs, "
      "inspect_frontier, window, window_join, interval_join, union, clone, split or sink" },
    { "window", YYSYMBOL_KW_TUMBLING, YYSYMBOL_KW_SESSION, "tumbling, sliding or session" },
    { "aggregate", YYSYMBOL_KW_COUNT, YYSYMBOL_KW_REDUCE,
      "count, sum, min, max, avg or reduce" },
};

/* The class whose keywords are exactly the n expected tokens, or NULL. Only the whole class
 * will do: where a part of one is expected (window_join takes only 'tumbling'), listing the
 * class would name words that are not allowed there. */
static const word_class *expected_class(const yysymbol_kind_t *kinds, int n)
{
    for (size_t c = 0; c < sizeof word_classes / sizeof word_classes[0]; c++) {
        const word_class *wc = &word_classes[c];
        int i = 0;
        while (i < n && kinds[i] >= wc->first && kinds[i] <= wc->last)
            i++;
        if (n > 0 && i == n && n == (int)(wc->last - wc->first) + 1)
            return wc;
    }
    return NULL;
}

/* Fills kinds (room for YYNTOKENS) with the tokens the parser would accept and returns their
 * number: when a name would do, the contextual keywords are names and are not listed. */
static int expected_tokens(const yypcontext_t *yyctx, yysymbol_kind_t *kinds)
{
    int n = yypcontext_expected_tokens(yyctx, kinds, YYNTOKENS);
    bool name = has_token(kinds, n, YYSYMBOL_IDENT);
    int kept = 0;
    for (int i = 0; i < n; i++) {
        if (!(name && is_contextual(kinds[i])))
            kinds[kept++] = kinds[i];
    }
    return kept;
}

/* True if a newline separates the previous token from the one at off. */
static bool on_new_line(const mc_parse_ctx *pc, uint32_t off)
{
    return memchr(pc->prog->src + pc->prev_end, '\n', off - pc->prev_end) != NULL;
}

/* Reports a syntax error in gcc's words:
 *   "expected X before Y" when only X would do, or when a ';' would do and Y starts a new
 *   line (the usual forgotten ';'): it points just after the previous token, where X is
 *   missing;
 *   "unexpected Y, expected A, B or C" for a few possibilities, "unexpected Y" for more;
 *   "'map' is a keyword ..." when Y is a reserved word where a name could go;
 *   "unknown sink 'nul', expected ..." when Y is a word where only the keywords of one class
 *   (source kinds, sinks, operators) would do.
 * A syntax error caused by a lexical error the scanner has just reported is not repeated. */
static int yyreport_syntax_error(const yypcontext_t *yyctx, yyscan_t scanner, mc_parse_ctx *pc)
{
    enum { MAX_EXPECTED = 6 };
    (void)scanner;
    yysymbol_kind_t got = yypcontext_token(yyctx);
    if (got == YYSYMBOL_YYEOF && pc->truncated)
        return 0; /* the scanner has already said why the file ended early */
    if (pc->lex_error > pc->prev_start)
        return 0; /* the scanner has already reported what went wrong here */
    mc_loc loc = *yypcontext_location(yyctx);
    mc_loc after_prev = { pc->prev_end, 1 };
    yysymbol_kind_t expected[YYNTOKENS];
    int n = expected_tokens(yyctx, expected);
    const word_class *wc = is_word(got) ? expected_class(expected, n) : NULL;
    if (n > MAX_EXPECTED)
        n = 0; /* too many to list */
    if (n > 1 && has_token(expected, n, YYTRANSLATE(';')) && on_new_line(pc, loc.off)) {
        expected[0] = YYTRANSLATE(';');
        n = 1;
    }
    char what[64], msg[512] = "";
    describe_token(pc, got, loc, what, sizeof what);
    list_tokens(expected, n, msg, sizeof msg);
    if (wc != NULL)
        mc_error(pc->diag, loc, "unknown %s %s, expected %s", wc->what, what, wc->words);
    else if (is_reserved(got) && has_token(expected, n, YYSYMBOL_IDENT))
        mc_error(pc->diag, loc, "%s is a keyword and cannot be used as a name", what);
    else if (n == 1 && got == YYSYMBOL_YYEOF)
        mc_error(pc->diag, after_prev, "expected %s at end of file", msg);
    else if (n == 1)
        mc_error(pc->diag, after_prev, "expected %s before %s", msg, what);
    else if (got == YYSYMBOL_YYEOF)
        mc_error(pc->diag, after_prev, "unexpected end of file%s%s", n > 1 ? ", expected " : "",
                 msg);
    else if (n > 1)
        mc_error(pc->diag, loc, "unexpected %s, expected %s", what, msg);
    else
        mc_error(pc->diag, loc, "unexpected %s", what);
    return 0;
}

bool mc_parse(mc_program *prog, mc_diag *diag)
{
    int errors_before = diag->errors;
    /* flex rescans the token so far at every NUL byte (its end-of-buffer mark): text full of
     * them took quadratic time. A program is text; one NUL is the only error then. */
    const char *nul = memchr(prog->src, '\0', prog->src_len);
    if (nul != NULL) {
        mc_error(diag, (mc_loc){ (uint32_t)(nul - prog->src), 1 },
                 "a NUL byte in the program (a .mstr file is text)");
        return false;
    }
    mc_parse_ctx pc = { .prog = prog, .diag = diag };
    yyscan_t scanner;
    if (mc_yylex_init_extra(&pc, &scanner) != 0)
        mstr_oom(0);
    YY_BUFFER_STATE buf = mc_yy_scan_bytes(prog->src, (int)prog->src_len, scanner);
    int rc = mc_yyparse(scanner, &pc);
    mc_yy_delete_buffer(buf, scanner);
    mc_yylex_destroy(scanner);
    return rc == 0 && diag->errors == errors_before;
}

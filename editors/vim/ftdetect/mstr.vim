" Malstrom-C pipelines: *.mstr files are filetype mstr (syntax/mstr.vim, ftplugin/mstr.vim).
autocmd BufRead,BufNewFile *.mstr setfiletype mstr

# hello.s: the smallest program. `prints` writes text at party 0 as is.
    prints "hello, world\n"
    halt

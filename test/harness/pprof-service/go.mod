module example.com/pprofservice

go 1.21

module example.com/pprofbench

go 1.21

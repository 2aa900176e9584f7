module gennext

go 1.19

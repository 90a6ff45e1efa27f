module bare

go 1.26.0

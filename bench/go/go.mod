module ember/bench/go

go 1.19

module github.com/claimcheck/claimcheck/examples/go-gateway

go 1.24

require github.com/claimcheck/claimcheck/bindings/go v0.0.0

// The binding from this repository (it links ../../target/release/libclaimcheck.a).
replace github.com/claimcheck/claimcheck/bindings/go => ../../bindings/go

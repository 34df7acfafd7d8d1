module interloop

go 1.26

require (
	github.com/spf13/cobra v1.8.1
	gonum.org/v1/gonum v0.16.0
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.5 // indirect
)

module github.com/rcc-go/rcc

go 1.26

require (
	github.com/beevik/etree v1.8.1
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
	go.yaml.in/yaml/v3 v3.0.6
)

// Command gateway is the rcc example CTI gateway.
package main

func main() {}

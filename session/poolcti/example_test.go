package poolcti_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/session/poolcti"
)

// Example hands out a link of a pool as session does, and sends a request
// on it.
func Example() {
	pbx := ctitest.DemoPBX()
	defer pbx.Close()
	srv := ctitest.NewServer(pbx)
	pool, err := ctipool.New(ctipool.Config{Endpoints: []ctipool.Endpoint{{Name: "cti1", Addr: srv.Addr()}}})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := pool.WaitHealthy(ctx, 1); err != nil {
		log.Fatal(err)
	}

	cti := poolcti.New(pool)
	link, err := cti.Acquire()
	if err != nil {
		log.Fatal(err)
	}
	resp, err := link.Do(ctx, &csta.GetCSTAFeatures{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(link.Endpoint(), resp.MessageName(), link.Check())
	// Output: cti1 GetCSTAFeaturesResponse <nil>
}

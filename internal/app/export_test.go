package app

// DemoCreditCodes exposes the demo units' codes to the external tests.
func DemoCreditCodes() []*string {
	out := make([]*string, len(demoUnits))
	for i, u := range demoUnits {
		out[i] = demoCreditCode(i, u[1])
	}
	return out
}

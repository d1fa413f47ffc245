//go:build !amd64

package cpupeak

func fmaZ(int)    {}
func dpbf16Z(int) {}
func dpbusdZ(int) {}

const (
	hasAVX512     = false
	hasAVX512BF16 = false
	hasAVX512VNNI = false
)

package app

import "fmt"

// Personal information in the demo: the units' contacts and a few accounts
// carry phones and e-mails, so that the masking shows. Log in as reviewer
// (or city): 上海市徐汇区… units' contacts read 王* 138****1234; as
// secretary, unit or admin they read in full (docs/access.md).

// demoContactPhone is the contact phone of the i-th demo unit: 13812341234,
// 13812341235, …
func demoContactPhone(i int) string { return fmt.Sprintf("1381234%04d", 1234+i) }

// demoAccountContact is the phone and e-mail of a demo account ("" for none).
func demoAccountContact(username string) (phone, email string) {
	switch username {
	case "unit":
		return "13912345678", "liaison@example.cn"
	case "secretary":
		return "13698765432", "secretary@example.cn"
	case "reviewer":
		return "13511112222", "reviewer@example.cn"
	}
	return "", ""
}

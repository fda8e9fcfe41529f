// A small stand-in for Htek's Web_English_Template.js (the real file comes with the firmware).
var lang = {
    "Status": "Status",
    "Account": "Account",
    "Network": "Network",
    "Save": "Save",
    "Login_Failed": "Login failed: %s"
};

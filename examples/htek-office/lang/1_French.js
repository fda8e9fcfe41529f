var lang = {
    "Status": "État",
    "Account": "Compte",
    "Network": "Réseau",
    "Save": "Enregistrer",
    "Login_Failed": "Échec de connexion : %s"
};

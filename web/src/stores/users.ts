// Staff accounts of the school, as listed for administrators.
import { defineStore } from "pinia";
import { api } from "../api/client";
import { loadableList } from "./loadable";

export const useUsersStore = defineStore("users", () => loadableList(async () => (await api.listUsers()).users));
